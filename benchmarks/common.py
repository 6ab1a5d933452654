"""What the benchmark scripts share: the model list, the run's provenance, and rewriting one
marked section of docs/benchmarks.md."""
from __future__ import annotations

import datetime
import json
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.models_list import FLOAT_MODELS, INT8_MODELS  # noqa: E402,F401  (the bundled models, one list; ROOT on the path first)

DOC = ROOT / "docs" / "benchmarks.md"
MODELS = ROOT / "models"


def provenance() -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    cpu = platform.processor() or platform.machine()
    return (f"{datetime.date.today().isoformat()}, commit {commit or '?'}{' (with local changes)' if dirty else ''}, "
            f"{platform.system()} {cpu}, Python {platform.python_version()}")


def markdown_table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---:" if i else "---" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def update_doc_section(section: str, body: str) -> None:
    """Replace the text between <!-- section:begin --> and <!-- section:end --> in docs/benchmarks.md."""
    begin, end = f"<!-- {section}:begin -->", f"<!-- {section}:end -->"
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    block = f"{begin}\n{body.strip()}\n{end}"
    if begin in text and end in text:
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text)


def write_json(path: str | None, rows: list[dict]) -> None:
    if path:
        Path(path).write_text(json.dumps(rows, indent=2) + "\n")
