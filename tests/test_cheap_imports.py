"""A command loads only what it uses: `--version`, `--help` and `status` never import the Excel,
schema, keyring or Qt libraries (each costs tens of milliseconds at every start; issue 18). A
property of the imports, read from `python -X importtime`, not a measure of time: the figures are
in tests/benchmarks/bench_cli.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clinicguard import __version__, cli

ROOT = Path(__file__).resolve().parents[1]
HEAVY = {"openpyxl", "jsonschema", "keyring", "PySide6", "babel"}


def imported_modules(*args: str) -> tuple[set[str], subprocess.CompletedProcess]:
    """The top-level modules a command imports, and its result."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "clinicguard", *args], cwd=ROOT,
                            capture_output=True, text=True, env=dict(os.environ), timeout=120, check=False)
    names = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    return {name.split(".")[0] for name in names}, result


def test_version_imports_nothing_heavy_and_prints_what_the_parser_prints(capsys):
    modules, result = imported_modules("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"ClinicGuard {__version__}"
    assert not modules & (HEAVY | {"sqlite_utils", "cryptography"}), modules & HEAVY
    with pytest.raises(SystemExit):
        cli.main(["--version"])  # the parser's own --version (after other options, say)
    assert capsys.readouterr().out.strip() == result.stdout.strip()


def test_the_parser_is_built_without_excel_schema_keyring_or_qt():
    modules, result = imported_modules("--help")
    assert result.returncode == 0 and "status" in result.stdout
    assert not modules & (HEAVY | {"cryptography"}), modules & HEAVY


def test_status_reads_the_clinic_without_excel_schema_keyring_qt_or_sqlite_utils(workspace):
    workspace.close()
    imported_modules("status", "--json", "--data-dir", str(workspace.data_dir))  # the parsed copies exist now
    modules, result = imported_modules("status", "--json", "--data-dir", str(workspace.data_dir))
    assert result.returncode == 0, result.stderr[-500:]
    assert '"actions": 0' in result.stdout
    # nor the parser, tomllib (the catalogue and translations are read from their parsed copies),
    # the log's rotating handler (sockets, pickle) or the vault's encryption
    unwanted = HEAVY | {"cryptography", "sqlite_utils", "argparse", "tomllib", "pyrage", "socket", "platformdirs"}
    assert not modules & unwanted, modules & unwanted
