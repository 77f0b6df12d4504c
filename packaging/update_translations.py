"""List the English source texts passed to tr() that resources/translations/fr.toml lacks.

Usage: python packaging/update_translations.py [--append] [--prune]
With --append, the missing texts are appended with an empty French text, to fill in; with
--prune, French entries whose English source has gone are removed.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FR = ROOT / "resources" / "translations" / "fr.toml"
TRANSLATED_CONSTANTS = {"SCORE_FORMULA", "MONTHS", "ARGPARSE_MESSAGES"}


def source_texts() -> dict[str, str]:
    """Every literal passed to tr(), with the file it comes from."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "clinicguard").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "tr":
                if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    found.setdefault(node.args[0].value, str(path.relative_to(ROOT)))
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) in TRANSLATED_CONSTANTS for t in node.targets):
                values = node.value.elts if isinstance(node.value, (ast.Tuple, ast.List)) else [node.value]
                for value in values:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        found.setdefault(value.value, str(path.relative_to(ROOT)))
    return found


def missing() -> dict[str, str]:
    with open(FR, "rb") as fh:
        known = tomllib.load(fh)
    return {text: where for text, where in source_texts().items() if not known.get(text)}


def obsolete() -> list[str]:
    """French entries whose English source no longer appears in the code."""
    with open(FR, "rb") as fh:
        known = tomllib.load(fh)
    sources = source_texts()
    return [text for text in known if text not in sources]


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


if __name__ == "__main__":
    todo = missing()
    for text, where in todo.items():
        print(f"{where}: {text}")
    for text in obsolete():
        print(f"obsolete (no source any more): {text}")
    if "--prune" in sys.argv:
        stale = set(obsolete())
        kept = [line for line in FR.read_text(encoding="utf-8").splitlines(keepends=True)
                if not (line.startswith('"') and tomllib.loads(line).keys() & stale)]
        FR.write_text("".join(kept), encoding="utf-8")
    if "--append" in sys.argv and todo:
        with open(FR, "a", encoding="utf-8") as fh:
            fh.write("\n")
            for text in todo:
                fh.write(f"{_toml_string(text)} = \"\"\n")
    sys.exit(1 if todo else 0)
