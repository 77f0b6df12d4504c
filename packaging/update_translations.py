"""List the English source texts passed to tr(), trn() and trc() that resources/translations/fr.toml lacks.

Usage: python packaging/update_translations.py [--append] [--prune]
With --append, the missing texts are added with an empty French text, to fill in; with
--prune, French entries whose English source has gone are removed.

fr.toml keeps the plain texts of tr() first, then one [plural."English singular"] table per
trn() call (`one` and `other`, the CLDR plural categories French uses), then one [context.NAME]
table per trc() context. An area's texts may live in their own file, resources/translations/fr/AREA.toml,
laid out the same way; --append and --prune edit fr.toml only.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from clinicguard import i18n  # noqa: E402
FR = ROOT / "resources" / "translations" / "fr.toml"
TRANSLATED_CONSTANTS = {"SCORE_FORMULA", "MONTHS", "ARGPARSE_MESSAGES", "ARGPARSE_ERRORS"}
PLURAL_FORMS = ("one", "other")  # what French needs; "many" (1,000,000) may be given, else "other" serves


def _calls(name: str):
    """(path, call node) of every call of the function `name` (plain or attribute) in the package."""
    for path in sorted((ROOT / "clinicguard").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == name:
                yield str(path.relative_to(ROOT)), node


def _literals(node: ast.Call, count: int) -> list[str] | None:
    args = node.args[:count]
    if len(args) == count and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
        return [a.value for a in args]
    return None


def source_texts() -> dict[str, str]:
    """Every literal passed to tr(), with the file it comes from."""
    found: dict[str, str] = {}
    for where, node in _calls("tr"):
        texts = _literals(node, 1)
        if texts:
            found.setdefault(texts[0], where)
    for path in sorted((ROOT / "clinicguard").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) in TRANSLATED_CONSTANTS for t in node.targets):
                values = node.value.elts if isinstance(node.value, (ast.Tuple, ast.List)) else [node.value]
                for value in values:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        found.setdefault(value.value, str(path.relative_to(ROOT)))
    return found


def plural_texts() -> dict[str, tuple[str, str]]:
    """The English (singular, plural) of every trn() call, keyed by the singular, with its file."""
    found: dict[str, tuple[str, str]] = {}
    for where, node in _calls("trn"):
        texts = _literals(node, 2)
        if texts:
            found.setdefault(texts[0], (texts[1], where))
    return found


def context_texts() -> dict[tuple[str, str], str]:
    """Every (context, text) of a trc() call, with its file."""
    found: dict[tuple[str, str], str] = {}
    for where, node in _calls("trc"):
        texts = _literals(node, 2)
        if texts:
            found.setdefault((texts[0], texts[1]), where)
    return found


def unchecked_calls() -> list[str]:
    """trn/trc calls whose texts are not literals: nothing could check that they are translated."""
    wanted = {"trn": 2, "trc": 2}
    return [f"{where}:{node.lineno}" for name, count in wanted.items() for where, node in _calls(name)
            if where != "clinicguard/i18n.py" and _literals(node, count) is None]


def french() -> dict:
    """fr.toml and the area files of fr/, merged as the application reads them."""
    i18n.catalogue.cache_clear()
    return i18n.catalogue("fr")


def missing() -> dict[str, str]:
    """Plain texts of tr() without French."""
    known = french()
    return {text: where for text, where in source_texts().items() if not isinstance(known.get(text), str) or not known[text]}


def missing_plurals() -> dict[str, str]:
    """Singulars of trn() whose French lacks a form French needs."""
    known = french().get("plural", {})
    return {singular: where for singular, (_, where) in plural_texts().items()
            if not all(known.get(singular, {}).get(form) for form in PLURAL_FORMS)}


def missing_contexts() -> dict[tuple[str, str], str]:
    known = french().get("context", {})
    return {(context, text): where for (context, text), where in context_texts().items()
            if not known.get(context, {}).get(text)}


def obsolete() -> list[str]:
    """French entries whose English source no longer appears in the code."""
    known = french()
    sources, plurals, contexts = source_texts(), plural_texts(), context_texts()
    stale = [text for text, value in known.items() if isinstance(value, str) and text not in sources]
    stale += [f"plural: {text}" for text in known.get("plural", {}) if text not in plurals]
    stale += [f"context {context}: {text}" for context, table in known.get("context", {}).items()
              for text in table if (context, text) not in contexts]
    return stale


PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(\w+\)[sr]|%[sr]")  # format() fields, and argparse's %-fields


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def placeholder_mismatches() -> list[str]:
    """French texts whose placeholders differ from their English source's (a format() would fail or lose a value)."""
    known = french()
    wrong = [en for en, fr in known.items() if isinstance(fr, str) and fr and placeholders(en) != placeholders(fr)]
    plurals = plural_texts()
    for singular, forms in known.get("plural", {}).items():
        # the English plural always carries every placeholder, {n} included; each French form must too
        english = placeholders(plurals[singular][0]) if singular in plurals else placeholders(singular)
        wrong += [f"plural {form}: {singular}" for form, text in forms.items() if text and placeholders(text) != english]
    for context, table in known.get("context", {}).items():
        wrong += [f"context {context}: {en}" for en, fr in table.items() if fr and placeholders(en) != placeholders(fr)]
    return wrong


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _append(todo: dict[str, str], plurals: dict[str, str], contexts: dict[tuple[str, str], str]) -> None:
    lines = FR.read_text(encoding="utf-8").splitlines(keepends=True)
    # plain keys must stay above the first table, or TOML would read them as part of it
    first_table = next((i for i, line in enumerate(lines) if line.startswith("[")), len(lines))
    plain = [f"{_toml_string(text)} = \"\"\n" for text in todo]
    lines[first_table:first_table] = plain + (["\n"] if plain and first_table < len(lines) else [])
    for singular in plurals:
        lines += ["\n", f"[plural.{_toml_string(singular)}]\n", 'one = ""\n', 'other = ""\n']
    for context, text in contexts:
        header = f"[context.{_toml_string(context)}]\n"
        if header not in lines:
            lines += ["\n", header]
        lines.insert(lines.index(header) + 1, f"{_toml_string(text)} = \"\"\n")
    FR.write_text("".join(lines), encoding="utf-8")


if __name__ == "__main__":
    todo, plurals, contexts = missing(), missing_plurals(), missing_contexts()
    for text, where in todo.items():
        print(f"{where}: {text}")
    for text, where in plurals.items():
        print(f"{where}: plural: {text}")
    for (context, text), where in contexts.items():
        print(f"{where}: context {context}: {text}")
    for text in obsolete():
        print(f"obsolete (no source any more): {text}")
    if "--prune" in sys.argv:
        stale = {text for text in obsolete() if not text.startswith(("plural: ", "context "))}
        lines = FR.read_text(encoding="utf-8").splitlines(keepends=True)
        first_table = next((i for i, line in enumerate(lines) if line.startswith("[")), len(lines))
        kept = [line for i, line in enumerate(lines)
                if i >= first_table or not (line.startswith('"') and tomllib.loads(line).keys() & stale)]
        FR.write_text("".join(kept), encoding="utf-8")
    if "--append" in sys.argv and (todo or plurals or contexts):
        _append(todo, plurals, contexts)
    sys.exit(1 if todo or plurals or contexts else 0)
