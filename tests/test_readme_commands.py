"""The README's support-provider script, run as it is written there: the commands a provider copies must work."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- readme-commands: run by tests/test_readme_commands.py -->"


def readme_script() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert MARKER in text, "the README's marked command block is gone"
    match = re.search(re.escape(MARKER) + r"\s*```sh\n(.*?)```", text, re.DOTALL)
    assert match, "the marker must be followed by a ```sh block"
    return match.group(1)


def test_the_script_covers_what_a_provider_does():
    script = readme_script()
    for command in ("clinicguard init", "clinicguard checklist list", "clinicguard checklist set",
                    "clinicguard import actions", "clinicguard export budget", "clinicguard audit verify",
                    "clinicguard evidence verify"):
        assert command in script


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_the_readmes_support_provider_script_runs_first_time(tmp_path):
    # `clinicguard` is the installed program; here it is this checkout's, through `python -m clinicguard`
    prelude = f'set -e\nclinicguard() {{ "{sys.executable}" -m clinicguard "$@"; }}\n'
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINICGUARD_")}
    env.update(PYTHONPATH=str(ROOT), CLINICGUARD_LOG_DIR=str(tmp_path / "logs"), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(["sh", "-c", prelude + readme_script()], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "Erreur" not in result.stderr
    ids = (tmp_path / "ids.json").read_text(encoding="utf-8")
    assert '"GOV-ROLES-01"' in ids
    for workbook in ("budget-2026.xlsx", "checklist.xlsx", "journal-2026.xlsx"):
        assert (tmp_path / workbook).stat().st_size > 0
    assert "1 fichier intact sur 1" in result.stdout
