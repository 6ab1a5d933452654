"""Write docs/operators.md from the converter and kernel registries (aot/driver/operators.py).

    python scripts/gen_ops_doc.py          # rewrite docs/operators.md
    python scripts/gen_ops_doc.py --check  # exit 1 if it is out of date
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aot.driver.operators import markdown, supported  # noqa: E402 - after the path is set

DOC = ROOT / "docs" / "operators.md"


def main(argv: list[str]) -> int:
    text = markdown(supported())
    if "--check" in argv:
        if DOC.read_text() != text:
            print(f"{DOC} is out of date: run python scripts/gen_ops_doc.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
