"""The commands enforce the window's session rules (issue 19, item 5): a secret set by a manager
must be changed before acting, reading without a secret follows one documented list, and an
unknown profile is answered exactly as a wrong secret."""

from __future__ import annotations

import re

import pytest

from clinicguard import cli
from clinicguard.cli import common
from clinicguard.core import workspace as workspace_module
from clinicguard.model.errors import PermissionDenied
from tests.conftest import MANAGER

ROOT_README = __import__("pathlib").Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def clinic(workspace, manager, monkeypatch):
    monkeypatch.setattr(workspace_module, "bundled_catalogue", lambda: workspace.catalogue)
    workspace.people.add(manager, "Sophie Leroy", "practitioner", "2222")  # set by the manager
    workspace.people.add(manager, "Karim Benali", "practitioner", "Mot-de-passe-Karim-2026")
    workspace.people.change_own_secret(workspace.people.sign_in("Karim Benali", "Mot-de-passe-Karim-2026"),
                                       "Mot-de-passe-Karim-2026", "8462")
    workspace.close()
    return str(workspace.data_dir)


def run(monkeypatch, capsys, secret, *argv):
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", secret)
    code = cli.main(list(argv))
    return code, capsys.readouterr()


def test_a_secret_set_by_a_manager_blocks_acting_until_it_is_changed(clinic, monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, "2222", "checklist", "set", "--data-dir", clinic, "--as", "Sophie Leroy",
                    "SEC-BACKUP-01", "compliant")
    assert code == 1 and "fixé par un responsable" in out.err and "change-secret" in out.err
    monkeypatch.setenv("CLINICGUARD_NEW_SECRET", "7391")
    code, out = run(monkeypatch, capsys, "2222", "people", "change-secret", "--data-dir", clinic, "--as", "Sophie Leroy")
    assert code == 0, out.err
    code, out = run(monkeypatch, capsys, "7391", "checklist", "set", "--data-dir", clinic, "--as", "Sophie Leroy",
                    "SEC-BACKUP-01", "compliant")
    assert code == 0, out.err
    ws = workspace_module.Workspace.open(clinic)
    try:
        assert {r.item.id: r.status for r in ws.checklist.rows()}["SEC-BACKUP-01"] == "compliant"
    finally:
        ws.close()


def _answer(err: str, name: str) -> str:
    return err.replace(name, "NOM").strip()


def test_an_unknown_profile_gets_the_answer_of_a_wrong_secret(clinic, monkeypatch, capsys):
    answers = set()
    for name, secret in (("Personne Inconnue", "1234"), ("Karim Benali", "1234"), (MANAGER, "Mauvais-secret-2026"),
                         ("Sophie Leroy", "9999"), ("personne inconnue", "Mauvais-secret-2026")):
        code, out = run(monkeypatch, capsys, secret, "checklist", "set", "--data-dir", clinic, "--as", name,
                        "SEC-BACKUP-01", "compliant")
        assert code == 1
        answers.add(_answer(out.err, name))
    assert len(answers) == 1, answers
    (answer,) = answers
    assert "Profil inconnu ou mot de passe ou code PIN erroné" in answer and "tentative" not in answer


def test_the_core_tells_a_known_profile_its_attempts_left_in_detail_only(clinic):
    ws = workspace_module.Workspace.open(clinic)
    try:
        with pytest.raises(PermissionDenied) as wrong:
            ws.people.sign_in("Karim Benali", "0000")
        with pytest.raises(PermissionDenied) as unknown:
            ws.people.sign_in("Karim Benaly", "0000")
        assert str(wrong.value).replace("Karim Benali", "X") == str(unknown.value).replace("Karim Benaly", "X")
        assert "2 essais" in wrong.value.detail  # what the window, whose list shows the profiles, says
    finally:
        ws.close()


def test_the_reading_commands_are_exactly_the_documented_ones(clinic, monkeypatch, capsys):
    """Each reading command runs with no secret and no sign-in; the README lists the same ones; a
    command that changes data does sign in."""
    signed_in = []

    def no_sign_in(ws, args):
        signed_in.append(args.command)
        raise PermissionDenied("signed in")

    for module in [common, *cli.COMMAND_AREAS]:
        if hasattr(module, "acting"):
            monkeypatch.setattr(module, "acting", no_sign_in)
    monkeypatch.delenv("CLINICGUARD_PROFILE_SECRET", raising=False)
    extra = {"checklist show": ["SEC-BACKUP-01"]}
    ws = workspace_module.Workspace.open(clinic)
    entries = ws.db.execute("SELECT count(*) FROM audit_entry").fetchone()[0]
    ws.close()
    for command in common.READING_COMMANDS:
        argv = [*command.split(), "--data-dir", clinic, *extra.get(command, [])]
        if command == "backup list":
            argv = [*command.split(), "--dir", clinic]
        code = cli.main(argv)
        err = capsys.readouterr().err
        assert code in (0, 3) and not signed_in, (command, err)
    ws = workspace_module.Workspace.open(clinic)
    try:
        assert ws.db.execute("SELECT count(*) FROM audit_entry").fetchone()[0] == entries  # nothing written
    finally:
        ws.close()
    assert cli.main(["checklist", "set", "--data-dir", clinic, "SEC-BACKUP-01", "compliant"]) == 1
    assert signed_in == ["checklist"]  # a command that changes data signs in
    section = ROOT_README.read_text(encoding="utf-8").split("### Reading without a secret", 1)[1].split("\n#", 1)[0]
    documented = set(re.findall(r"`clinicguard ([a-z]+(?: [a-z]+)?)`", section))
    assert documented == set(common.READING_COMMANDS)
