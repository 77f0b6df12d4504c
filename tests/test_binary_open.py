"""Every file ClinicGuard opens with os.open is opened in binary mode: on Windows os.open defaults
to text mode, where each "\\n" written becomes "\\r\\n" (a backup or a vault file would be ruined)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "clinicguard"


def _names(node: ast.AST) -> set[str]:
    """The names in a flags expression (`getattr(os, "O_BINARY", 0)` counts as O_BINARY)."""
    names = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Attribute):
            names.add(n.attr)
        elif isinstance(n, ast.Name):
            names.add(n.id)
        elif isinstance(n, ast.Constant) and isinstance(n.value, str):
            names.add(n.value)
    return names


def test_every_os_open_of_a_file_is_binary():
    unmarked = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "open"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "os"):
                continue
            flags = _names(node.args[1]) if len(node.args) > 1 else set()
            target = ast.unparse(node.args[0])
            if flags == {"os", "O_RDONLY"} and "folder" in target:  # a folder, opened to sync it
                continue
            if "devnull" in target:
                continue
            if not flags & {"BINARY", "O_BINARY"}:
                unmarked.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {ast.unparse(node)}")
    assert not unmarked, "os.open without O_BINARY (text mode on Windows):\n" + "\n".join(unmarked)


def test_the_check_sees_an_os_open_without_binary(tmp_path):
    source = "import os\nfd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)\n"
    (call,) = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call) and ast.unparse(n.func) == "os.open"]
    assert not _names(call.args[1]) & {"BINARY", "O_BINARY"}
