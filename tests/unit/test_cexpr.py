"""codegen_c/cexpr.py: index arithmetic folded at generation time, bounds checks left out where
the ranges guarantee them, and the layout of the C."""
from codegen_c.cexpr import (
    c_layout,
    constant,
    if_chain,
    in_range,
    index,
    out_of_range,
    plus,
    product,
    value,
)
from codegen_c.nd import affine


def test_constant_arithmetic_is_folded():
    oy, ky = index("oy", 25), index("ky", 3)
    assert str(oy * 1 - 1 + ky * 1) == "oy - 1 + ky"   # (oy - 1) + ky: invariant in the ky loop
    assert str(oy * 2 - 0 + ky * 0) == "oy * 2"
    assert str((oy * 5 + ky) * 64 + 3 - 3) == "(oy * 5 + ky) * 64"          # row-major, nested
    assert str(value("iy") * 288 + value("ix") * 3 + 1) == "(iy * 96 + ix) * 3 + 1"
    assert str(49 - value("y0")) == "49 - y0"
    assert str(oy - oy + 7) == "7"
    assert str(constant(0)) == "0" and str(-oy) == "-oy"


def test_a_loop_of_one_iteration_is_the_constant_0():
    n, oc = index("n", 1), index("oc", 8)
    assert n.is_const and str(((n * 49 + 3) * 10) * 64 + oc) == "oc + 1920"


def test_division_and_remainder_fold_over_the_range():
    oc = index("oc", 16)
    assert str(oc // 16 * 4) == "0"          # one group: no group offset
    assert str(oc // 4 * 3) == "(oc / 4) * 3"
    assert str(oc // 1) == "oc"
    assert str(oc % 16) == "oc" and str(oc % 1) == "0"
    assert str(value("next", (0, 40)) % 3 * 224) == "(next % 3) * 224"


def test_bounds_checks_only_where_they_can_fail():
    oy, ky = index("oy", 25), index("ky", 3)
    assert in_range(oy + ky - 1, 25, "iy") == "iy >= 0 && iy < 25"
    assert in_range(oy + ky, 27, "iy") == ""                        # never out: no check
    assert in_range(oy * 2 + ky, 49, "iy") == "iy < 49"
    assert out_of_range(oy + ky - 1, 30, "iy") == "iy < 0"
    assert out_of_range(oy, 25) == ""
    assert in_range(value("x0"), 7) == "x0 >= 0 && x0 < 7"             # unknown range: both halves


def test_nd_index_binds_to_the_loops():
    src = affine([12, 3, 1], 5)
    assert str(src.bind([index("i0", 1), index("i1", 4), index("i2", 3)])) == "i1 * 3 + 5 + i2"


def test_plus_and_product():
    assert plus(constant(0)) == "" and plus(constant(-128)) == " - 128" and plus(index("p", 9) * 4) == " + p * 4"
    assert plus(index("iy", 9) * 10 + value("ix") - 1) == " + (iy * 10 - 1 + ix)"
    assert product(constant(3), constant(4)) == "12"
    assert product(value("fy1") - value("fy0"), constant(2)) == "(fy1 - fy0) * 2"
    assert product(value("fy1") - value("fy0"), value("fx1")) == "(fy1 - fy0) * fx1"


def test_if_chain_leaves_out_the_cases_that_never_hold():
    assert if_chain(("a < 0", "x;"), ("", "y;"), (True, "z;")) == "if (a < 0) {\nx;\n} else {\nz;\n}"
    assert if_chain(("", "x;"), ("b", "y;"), (True, "z;")) == "if (b) {\ny;\n} else {\nz;\n}"
    assert if_chain(("", "x;"), (True, "z;")) == "z;"
    assert if_chain(("a", "x;")) == "if (a) {\nx;\n}"


LAID_OUT = """static void f(uint8_t *arena)
{
    int a = 0;  /* { not a brace */
    for (int i = 0; i < 4; ++i) {
        g(a,
          b, "}");
    }
    /* a comment
     * continued */
#if X
}
#endif

int g(void)
{
    return 0;
}
"""


def test_c_layout_indents_by_braces_and_aligns_continuations():
    """Any leading blanks and blank lines in, the same C laid out by its braces out."""
    lines = LAID_OUT.splitlines()
    messy = "\n".join(" " * (3 * i % 7) + line.strip() + "\n" * (line.endswith("{") + 2 * (not line))
                      for i, line in enumerate(lines))
    assert messy != LAID_OUT
    assert c_layout(messy + "\n") == LAID_OUT
    assert c_layout(LAID_OUT) == LAID_OUT
