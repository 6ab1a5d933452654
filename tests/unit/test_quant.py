"""TFLite's integer arithmetic: NumPy (aot/core/quant.py) against exact big-integer arithmetic, and
the C twins (runtime_c/include/aot_fixedpoint.h) against NumPy on the same values."""
import subprocess

import numpy as np
import pytest

from aot.core import quant
from aot.core.resources import data_dir
from aot.target.build import WARNING_CFLAGS

EDGES = [0, 1, -1, 2**31 - 1, -(2**31), 2**30, -(2**30), 12345, -12345, 2**16, -(2**16) - 1]


def _values(rng, n):
    return np.concatenate([np.array(EDGES, np.int64), rng.integers(-(2**31), 2**31, size=n, dtype=np.int64)])


def _round_half_away(num: int, den: int) -> int:
    q, r = divmod(abs(num), den)
    q += 2 * r >= den
    return q if num >= 0 else -q


def test_srdhm_matches_exact_arithmetic():
    rng = np.random.default_rng(0)
    a, b = _values(rng, 3000), _values(rng, 3000)[::-1]
    got = quant.srdhm(a, b)
    for x, y, r in zip(a.tolist(), b.tolist(), got.tolist()):
        if x == y == -(2**31):
            assert r == 2**31 - 1
            continue
        ab = x * y
        nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
        s = ab + nudge
        assert r == (abs(s) >> 31) * (1 if s >= 0 else -1), (x, y)


def test_rdbpot_rounds_half_away_from_zero():
    rng = np.random.default_rng(1)
    xs = _values(rng, 2000)
    for e in (0, 1, 2, 5, 13, 31):
        got = quant.rdbpot(xs, e)
        assert got.tolist() == [_round_half_away(x, 1 << e) for x in xs.tolist()]


@pytest.mark.parametrize("real", [1e-9, 0.000123, 0.25, 0.5, 0.7, 0.99999999, 1.0, 1.5, 3.3, 1234.5])
def test_quantize_multiplier_represents_the_real(real):
    m, s = quant.quantize_multiplier(real)
    assert 2**30 <= m < 2**31
    assert abs(m * 2.0 ** (s - 31) - real) <= real * 2**-30


def test_activation_ranges():
    assert quant.activation_range("RELU6", "int8", 6 / 255, -128) == (-128, 127)
    assert quant.activation_range("RELU", "int8", 0.1, 3) == (3, 127)
    assert quant.activation_range("RELU_N1_TO_1", "int8", 0.01, 0) == (-100, 100)
    assert quant.activation_range("NONE", "int8", 0.1, 0) == (-128, 127)


C_PROGRAM = r"""
#include <stdio.h>
#include "aot_fixedpoint.h"
int main(void) {
    long long a, b; int s;
    while (scanf("%lld %lld %d", &a, &b, &s) == 3) {
        int e = s < 0 ? -s : s;
        printf("%ld %ld %ld\n", (long)aot_srdhm((int32_t)a, (int32_t)b), (long)aot_rdbpot((int32_t)a, e),
               (long)aot_mbqm((int32_t)a, (int32_t)b, s));
    }
    return 0;
}
"""


def run_c(tmp_path, program: str, rows) -> np.ndarray:
    """Compile ``program`` (reads lines of numbers on stdin, prints lines of numbers) against
    runtime_c/include and run it on ``rows``: its output as an int64 array, one row per line."""
    src, exe = tmp_path / "twin.c", tmp_path / "twin"
    src.write_text(program)
    include = data_dir("runtime_c") / "include"
    subprocess.run(["gcc", "-std=c99", "-O2", *WARNING_CFLAGS, "-I", str(include), str(src), "-o", str(exe)], check=True)
    text = "".join(" ".join(map(str, row)) + "\n" for row in rows)
    out = subprocess.run([str(exe)], input=text, capture_output=True, text=True, check=True).stdout.split("\n")
    return np.array([list(map(int, line.split())) for line in out if line])


def test_c_twins_match_numpy(tmp_path):
    rng = np.random.default_rng(2)
    a = _values(rng, 5000)
    b = np.abs(_values(rng, 5000)[::-1]) % (2**31)  # multipliers are non-negative q31
    b[:3] = [0, 2**31 - 1, 2**30]
    s = rng.integers(-31, 8, size=a.size)
    # MultiplyByQuantizedMultiplier's left shift must not overflow int32, as in TFLite's use
    a = np.where(s > 0, a >> 8, a)
    got = run_c(tmp_path, C_PROGRAM, zip(a.tolist(), b.tolist(), s.tolist()))
    np.testing.assert_array_equal(got[:, 0], quant.srdhm(a, b))
    np.testing.assert_array_equal(got[:, 1], quant.rdbpot(a, np.abs(s)))
    np.testing.assert_array_equal(got[:, 2], quant.mbqm(a, b, s))


FIXEDPOINT_PROGRAM = r"""
#include <stdio.h>
#include "aot_fixedpoint.h"
int main(void) {
    long long a, x; int bits;
    while (scanf("%lld %d %lld", &a, &bits, &x) == 3) {
        int over;
        const int32_t r = aot_get_reciprocal((int32_t)x, bits, &over);
        printf("%ld %ld %d\n", (long)aot_exp_on_negative_values((int32_t)a, bits), (long)r, over);
    }
    return 0;
}
"""


def test_softmax_fixed_point_c_twins_match_numpy(tmp_path):
    """aot_exp_on_negative_values and aot_get_reciprocal (softmax's helpers in aot_fixedpoint.h)
    against aot/core/fixedpoint.py, for the integer bits softmax uses and others."""
    from aot.core import fixedpoint

    rng = np.random.default_rng(3)
    a = -(np.abs(_values(rng, 3000)) % (2**31))                     # exp's argument: <= 0
    x = np.abs(_values(rng, 3000))[::-1] % (2**31 - 1) + 1           # the reciprocal's: > 0
    cases = [(bits, a, x) for bits in (1, 5, 6, 12)]
    rows = [(u, bits, v) for bits, aa, xx in cases for u, v in zip(aa.tolist(), xx.tolist())]
    got = run_c(tmp_path, FIXEDPOINT_PROGRAM, rows).reshape(len(cases), -1, 3)
    for (bits, aa, xx), g in zip(cases, got):
        recip, over = fixedpoint.get_reciprocal(xx, bits)
        np.testing.assert_array_equal(g[:, 0], fixedpoint.exp_on_negative_values(aa, bits), err_msg=f"exp, {bits} bits")
        np.testing.assert_array_equal(g[:, 1], recip, err_msg=f"reciprocal, {bits} bits")
        np.testing.assert_array_equal(g[:, 2], over, err_msg=f"bits over unit, {bits} bits")
