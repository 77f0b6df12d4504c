"""The headless commands: init, demo, checklist set, status; clear one-line errors."""

import json
import subprocess
import sys

import pytest

from clinicguard import __version__
from clinicguard.cli import main

SECRET = "Secret-Manager-2026"


@pytest.fixture
def clinic_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", SECRET)
    data = tmp_path / "clinic"
    assert main(["init", "--data-dir", str(data), "--clinic-name", "Cabinet Rivière", "--structure",
                 "individual-practice", "--manager", "Claire Martin"]) == 0
    out = capsys.readouterr().out
    assert "AGE-SECRET-KEY-1" in out  # the recovery key is printed once
    return data


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_init_writes_recovery_sheet_to_file_and_never_stores_the_key(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", SECRET)
    sheet = tmp_path / "sheet.txt"
    data = tmp_path / "c"
    assert main(["init", "--data-dir", str(data), "--clinic-name", "X", "--structure", "clinic",
                 "--recovery-sheet", str(sheet)]) == 0
    secret = next(line for line in sheet.read_text().splitlines() if line.startswith("AGE-SECRET-KEY-1"))
    assert secret not in capsys.readouterr().out
    for path in data.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_checklist_set_then_status_json(clinic_dir, capsys):
    from clinicguard.core.catalogue import bundled_catalogue

    item = next(i for i in bundled_catalogue().items if i.applies("individual-practice"))
    assert main(["checklist", "set", "--data-dir", str(clinic_dir), item.id, "compliant", "--comment", "ok"]) == 0
    capsys.readouterr()
    assert main(["status", "--data-dir", str(clinic_dir), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["overall"]["counts"]["compliant"] == 1
    assert status["overall"]["score"] > 0
    assert status["clinic"]["structure"] == "individual-practice"
    assert set(status["domains"]) >= {item.domain}
    assert "score_formula" in status


def test_individual_practice_sees_out_of_scope_items_as_not_applicable(clinic_dir, capsys):
    from clinicguard.core.catalogue import bundled_catalogue

    out_of_scope = sum(1 for i in bundled_catalogue().items if not i.applies("individual-practice"))
    main(["status", "--data-dir", str(clinic_dir), "--json"])
    assert json.loads(capsys.readouterr().out)["overall"]["counts"]["not-applicable"] == out_of_scope


@pytest.mark.parametrize(
    "args, needle",
    [
        (["checklist", "set", "NOPE-01", "compliant"], "NOPE-01"),
        (["status"], None),
    ],
)
def test_errors_are_one_clear_line_without_traceback(tmp_path, capsys, args, needle):
    data = tmp_path / "nothing-here"
    args = args[:2] + ["--data-dir", str(data)] + args[2:] if args[0] == "checklist" else args + ["--data-dir", str(data)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert "clinicguard init" in err


def test_unknown_item_is_named(clinic_dir, capsys):
    assert main(["checklist", "set", "--data-dir", str(clinic_dir), "NOPE-01", "compliant"]) == 1
    assert "NOPE-01" in capsys.readouterr().err


def test_wrong_secret_is_refused(clinic_dir, monkeypatch, capsys):
    from clinicguard.core.catalogue import bundled_catalogue

    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", "Wrong-Secret-2026!")
    item = bundled_catalogue().items[0].id
    assert main(["checklist", "set", "--data-dir", str(clinic_dir), item, "compliant"]) == 1
    assert "Claire Martin" in capsys.readouterr().err


def test_demo_creates_a_populated_clinic(tmp_path, capsys):
    data = tmp_path / "demo"
    assert main(["demo", "--data-dir", str(data)]) == 0
    capsys.readouterr()
    main(["status", "--data-dir", str(data), "--json"])
    status = json.loads(capsys.readouterr().out)
    counts = status["overall"]["counts"]
    assert counts["compliant"] > 5 and counts["partial"] > 0 and counts["non-compliant"] > 0
    assert 0 < status["overall"]["score"] < 100


def test_cli_runs_as_a_program_without_a_display(tmp_path):
    env = {"PATH": "", "CLINICGUARD_LANG": "en", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "clinicguard", "--version"], capture_output=True, text=True, env=env)
    assert result.returncode == 0 and __version__ in result.stdout
