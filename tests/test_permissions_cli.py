"""The headless commands obey the same rules as the core: each role's allowed and refused
commands, the PIN lock, sign-off, and `audit verify` / `audit export`."""

from __future__ import annotations

import json
import sqlite3
import zipfile

import openpyxl
import pytest

from clinicguard.cli import main
from clinicguard.core.audit import HEAD_FILE
from clinicguard.core.workspace import database_path

MANAGER, MANAGER_SECRET = "Claire Martin", "Secret-Manager-2026"
PRACTITIONER, PIN = "Dr Karim Benali", "4826"
ACCOUNTANT, ACCOUNTANT_SECRET = "Mme Roux", "Comptable-Roux-2026"
SECRETS = {MANAGER: MANAGER_SECRET, PRACTITIONER: PIN, ACCOUNTANT: ACCOUNTANT_SECRET}
DANGEROUS = ["=HYPERLINK(\"http://x\",\"y\")", "+33 1 23", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "\ncmd"]


@pytest.fixture(autouse=True)
def small_bundled_catalogue(monkeypatch, small_catalogue):
    # the commands open the bundled catalogue; the small test one keeps item ids stable
    monkeypatch.setattr("clinicguard.core.workspace.bundled_catalogue", lambda: small_catalogue)


@pytest.fixture
def clinic(tmp_path, monkeypatch, capsys, small_catalogue):
    data = tmp_path / "clinic"
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    assert main(["init", "--data-dir", str(data), "--clinic-name", "Cabinet Rivière", "--structure",
                 "group-practice", "--manager", MANAGER]) == 0
    for name, role, first in ((PRACTITIONER, "practitioner", "1357"), (ACCOUNTANT, "accountant", "Provisoire-Roux-2026")):
        monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
        monkeypatch.setenv("CLINICGUARD_NEW_SECRET", first)
        assert main(["people", "add", name, "--role", role, "--as", MANAGER, "--data-dir", str(data)]) == 0
        # a secret set by a manager must be changed before its profile may act (issue 19)
        monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", first)
        monkeypatch.setenv("CLINICGUARD_NEW_SECRET", SECRETS[name])
        assert main(["people", "change-secret", "--as", name, "--data-dir", str(data)]) == 0
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    monkeypatch.delenv("CLINICGUARD_NEW_SECRET")
    capsys.readouterr()
    return data


def run_as(monkeypatch, capsys, name, data, *argv):
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", SECRETS[name])
    code = main([*argv, "--as", name, "--data-dir", str(data)])
    out = capsys.readouterr()
    return code, out.out, out.err


def item(catalogue, n=0):
    return catalogue.items[n].id


COMMANDS = {
    "checklist set": lambda c: ["checklist", "set", item(c), "compliant", "--comment", "ok"],
    "signoff confirm": lambda c: ["signoff", "confirm", item(c), "--comment", "fait"],
    "signoff request": lambda c: ["signoff", "request", item(c)],
    "people unlock": lambda c: ["people", "unlock", PRACTITIONER],
    "people set-role": lambda c: ["people", "set-role", ACCOUNTANT, "practitioner"],
    "people auto-lock": lambda c: ["people", "auto-lock", "5"],
    "audit export": lambda c: ["audit", "export", "--out", "OUT"],
}
ALLOWED = {
    MANAGER: set(COMMANDS),
    PRACTITIONER: {"checklist set", "signoff confirm", "audit export"},
    ACCOUNTANT: {"audit export"},
}


@pytest.mark.parametrize("name", [MANAGER, PRACTITIONER, ACCOUNTANT])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_each_role_is_allowed_or_refused_on_the_command_line(clinic, monkeypatch, capsys, small_catalogue, tmp_path,
                                                             name, command):
    argv = [str(tmp_path / "journal.xlsx") if a == "OUT" else a for a in COMMANDS[command](small_catalogue)]
    if command == "people unlock":  # a wrong PIN first, so there is something to unlock
        monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", "0000")
        assert main(["signoff", "pending", "--as", PRACTITIONER, "--data-dir", str(clinic)]) == 1
        capsys.readouterr()
    before = json.loads((clinic / HEAD_FILE).read_text())["count"]
    code, out, err = run_as(monkeypatch, capsys, name, clinic, *argv)
    after = json.loads((clinic / HEAD_FILE).read_text())["count"]
    if command in ALLOWED[name]:
        assert (code, err) == (0, "")
        assert after >= before + 2  # the sign-in and the change
    else:
        assert code == 1
        assert name in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
        assert after == before + 1  # only the sign-in was recorded


def test_pin_lock_and_unlock_by_a_manager(clinic, monkeypatch, capsys, small_catalogue):
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", "0000")
    for _ in range(3):
        assert main(["signoff", "pending", "--as", PRACTITIONER, "--data-dir", str(clinic)]) == 1
    assert "verrouill" in capsys.readouterr().err
    code, _, err = run_as(monkeypatch, capsys, PRACTITIONER, clinic, "signoff", "pending")
    assert code == 1 and "verrouill" in err
    assert main(["people", "list", "--json", "--data-dir", str(clinic)]) == 0
    assert next(p for p in json.loads(capsys.readouterr().out) if p["name"] == PRACTITIONER)["locked"]
    assert run_as(monkeypatch, capsys, PRACTITIONER, clinic, "people", "unlock", PRACTITIONER)[0] == 1
    assert run_as(monkeypatch, capsys, MANAGER, clinic, "people", "unlock", PRACTITIONER)[0] == 0
    assert run_as(monkeypatch, capsys, PRACTITIONER, clinic, "signoff", "pending")[0] == 0


def test_signoff_from_request_to_confirmation(clinic, monkeypatch, capsys, small_catalogue):
    items = [item(small_catalogue, 0), item(small_catalogue, 1)]
    assert run_as(monkeypatch, capsys, MANAGER, clinic, "signoff", "request", *items, "--note", "revue")[0] == 0
    code, out, _ = run_as(monkeypatch, capsys, PRACTITIONER, clinic, "signoff", "pending", "--json")
    assert [r["item_id"] for r in json.loads(out)] == sorted(items)
    assert run_as(monkeypatch, capsys, PRACTITIONER, clinic, "signoff", "confirm", items[0])[0] == 0
    assert main(["signoff", "status", "--json", "--data-dir", str(clinic)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert [c["person"] for c in status[items[0]]["confirmed"]] == [PRACTITIONER]
    assert status[items[1]]["missing"] == [PRACTITIONER]
    assert main(["status", "--json", "--data-dir", str(clinic)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["signoff"]["incomplete_requests"] == [items[1]]
    assert summary["people"]["active"] == 3


def test_audit_verify_exit_status_names_the_tampered_entry(clinic, monkeypatch, capsys):
    assert main(["audit", "verify", "--data-dir", str(clinic)]) == 0
    assert "intact" in capsys.readouterr().out
    raw = sqlite3.connect(database_path(clinic), isolation_level=None)
    raw.execute("DROP TRIGGER audit_entry_no_update")
    raw.execute("UPDATE audit_entry SET actor_name = 'Personne' WHERE id = 3")
    raw.close()
    assert main(["audit", "verify", "--data-dir", str(clinic)]) == 3
    err = capsys.readouterr().err
    assert "3" in err and "modifi" in err  # « l'entrée 3 a été modifiée »
    assert main(["audit", "verify", "--json", "--data-dir", str(clinic)]) == 3
    assert json.loads(capsys.readouterr().out)["bad_entry"] == 3


def test_audit_verify_against_an_exported_head(clinic, monkeypatch, capsys):
    assert main(["audit", "verify", "--json", "--data-dir", str(clinic)]) == 0
    head = json.loads(capsys.readouterr().out)["head"]
    raw = sqlite3.connect(database_path(clinic), isolation_level=None)
    raw.execute("DROP TRIGGER audit_entry_no_delete")
    count = int(head.split(":")[0])
    raw.execute("DELETE FROM audit_entry WHERE id = ?", [count])
    raw.close()
    (clinic / HEAD_FILE).unlink()  # the file went too: only the exported head is left
    assert main(["audit", "verify", "--expect-head", head, "--data-dir", str(clinic)]) == 3
    assert str(count) in capsys.readouterr().err
    assert main(["audit", "verify", "--expect-head", "nonsense", "--data-dir", str(clinic)]) == 1


def test_audit_export_keeps_every_user_text_as_text_and_carries_the_head(clinic, monkeypatch, capsys, small_catalogue,
                                                                         tmp_path):
    names = [n for n in DANGEROUS if n.strip() == n]  # names are trimmed; tabs and line breaks go
    monkeypatch.setenv("CLINICGUARD_NEW_SECRET", "2580")
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    for name in names:  # "--" so that a name like "-2+3" is not read as an option
        assert main(["people", "add", "--role", "practitioner", "--as", MANAGER, "--data-dir", str(clinic),
                     "--", name]) == 0
    for n, text in enumerate(DANGEROUS):
        code, _, err = run_as(monkeypatch, capsys, PRACTITIONER, clinic, "signoff", "confirm",
                              item(small_catalogue, n % 3), f"--comment={text}")
        assert code == 0, err
    out = tmp_path / "journal.xlsx"
    assert run_as(monkeypatch, capsys, ACCOUNTANT, clinic, "audit", "export", "--out", str(out))[0] == 0
    book = openpyxl.load_workbook(out)
    sheet = book.worksheets[0]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row[1:]]
    assert all(c.data_type == "s" for c in cells if c.value is not None)
    # the raw columns (kind code, after) sit right of the entry in words: found by their heading
    heading = [c.value for c in sheet[1]]
    kind, after = heading.index("Type (code)"), heading.index("Après (brut)")
    created = [json.loads(r[after].value)["name"] for r in sheet.iter_rows(min_row=2) if r[kind].value == "person.create"]
    assert created[-len(names):] == names
    with zipfile.ZipFile(out) as z:
        assert all(b"<f>" not in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    about = {r[0].value: r[1].value for r in book.worksheets[1].iter_rows()}
    assert main(["audit", "verify", "--json", "--data-dir", str(clinic)]) == 0
    verified = json.loads(capsys.readouterr().out)
    count = verified["entries"] - 1  # the export's own entry comes after the head it prints
    assert any(str(v).startswith(f"{count}:") for v in about.values()), (about, verified)
    run_as(monkeypatch, capsys, ACCOUNTANT, clinic, "audit", "export", "--kind", "export",
           "--out", str(tmp_path / "exports.xlsx"))
    rows = list(openpyxl.load_workbook(tmp_path / "exports.xlsx").worksheets[0].iter_rows(min_row=2, values_only=True))
    assert [(r[2], r[kind]) for r in rows] == [(ACCOUNTANT, "export.audit")]  # who, and the kind's code


def test_new_secret_is_required_from_the_environment_or_a_terminal(clinic, monkeypatch, capsys):
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", MANAGER_SECRET)
    assert main(["people", "add", "Sophie", "--role", "accountant", "--as", MANAGER, "--data-dir", str(clinic)]) == 1
    assert "CLINICGUARD_NEW_SECRET" in capsys.readouterr().err


def test_deleting_the_end_of_the_trail_and_the_head_file_fails_audit_verify(clinic, monkeypatch, capsys,
                                                                          small_catalogue):
    raw = sqlite3.connect(database_path(clinic), isolation_level=None)
    raw.execute("DROP TRIGGER audit_entry_no_delete")
    raw.execute("DELETE FROM audit_entry WHERE id = (SELECT max(id) FROM audit_entry)")
    raw.close()
    (clinic / HEAD_FILE).unlink()
    assert main(["audit", "verify", "--data-dir", str(clinic)]) == 3
    assert HEAD_FILE in capsys.readouterr().err
    assert main(["audit", "verify", "--json", "--data-dir", str(clinic)]) == 3
    assert json.loads(capsys.readouterr().out)["kind"] == "head-missing"
    # a change made afterwards does not write a new head file that would hide the truncation
    assert run_as(monkeypatch, capsys, MANAGER, clinic, "signoff", "request", item(small_catalogue))[0] == 0
    assert not (clinic / HEAD_FILE).exists()


def test_signoff_confirm_of_several_items_confirms_all_or_none(clinic, monkeypatch, capsys, small_catalogue):
    items = [item(small_catalogue, 0), item(small_catalogue, 1)]
    code, _, err = run_as(monkeypatch, capsys, PRACTITIONER, clinic, "signoff", "confirm", items[0], "NO-SUCH-ITEM")
    assert code == 1 and "NO-SUCH-ITEM" in err
    assert main(["signoff", "status", "--json", "--data-dir", str(clinic), *items]) == 0
    status = json.loads(capsys.readouterr().out)
    assert all(not status[i]["confirmed"] for i in items)
    assert run_as(monkeypatch, capsys, PRACTITIONER, clinic, "signoff", "confirm", *items)[0] == 0
    assert main(["signoff", "status", "--json", "--data-dir", str(clinic), *items]) == 0
    status = json.loads(capsys.readouterr().out)
    assert all([c["person"] for c in status[i]["confirmed"]] == [PRACTITIONER] for i in items)


def test_signoff_pending_shows_titles_and_the_managers_note_to_practitioners_only(clinic, monkeypatch, capsys,
                                                                                    small_catalogue):
    first = small_catalogue.items[0]
    assert run_as(monkeypatch, capsys, MANAGER, clinic, "signoff", "request", first.id,
                  "--note", "Merci avant vendredi")[0] == 0
    code, out, _ = run_as(monkeypatch, capsys, PRACTITIONER, clinic, "signoff", "pending")
    assert code == 0
    assert f"{first.id}  {first.title['fr']}" in out and "{" not in out
    assert "Demandé par Claire Martin le" in out and "« Merci avant vendredi »" in out
    code, out, _ = run_as(monkeypatch, capsys, PRACTITIONER, clinic, "signoff", "pending", "--json")
    assert json.loads(out)[0]["title"] == first.title["fr"]
    for name in (MANAGER, ACCOUNTANT):  # the request is addressed to practitioners
        code, out, _ = run_as(monkeypatch, capsys, name, clinic, "signoff", "pending")
        assert code == 0 and first.id not in out and "Rien à attester" in out
