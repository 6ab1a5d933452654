"""Run the ONNX backend node tests of every operator microaot imports and print the counts.

    python scripts/onnx_conformance.py [--no-c] [--verbose] [OpType ...]

Each case goes through the importer and the NumPy reference (against ONNX's expected outputs)
and, batched into one host executable, through the generated C (against the reference).
"""
import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.onnx import conformance  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ops", nargs="*", help="ONNX op types (default: every supported one)")
    ap.add_argument("--no-c", action="store_true", help="NumPy reference only")
    ap.add_argument("--verbose", action="store_true", help="list every failure and rejection reason")
    args = ap.parse_args()
    cases = conformance.run(args.ops or None, with_c=not args.no_c)
    print(conformance.table(cases))
    for c in cases:
        if c.status == "failed":
            print(f"FAILED {c.name}: {c.reason}")
    if args.verbose:
        reasons = collections.Counter((c.op, c.reason) for c in cases if c.status == "unsupported")
        for (op, why), n in sorted(reasons.items()):
            print(f"unsupported {op} x{n}: {why}")
    return 1 if any(c.status == "failed" for c in cases) else 0


if __name__ == "__main__":
    sys.exit(main())
