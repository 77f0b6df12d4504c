"""Issue 20: the checklist read from a script, statuses in French or English, ids in any case, suggestions,
and the exit statuses a script tells apart."""

import json
import sqlite3

import pytest

from clinicguard.cli import main
from clinicguard.cli.common import EXIT_OK, EXIT_PROBLEM_FOUND, EXIT_REFUSED, EXIT_USAGE
from clinicguard.core.workspace import database_path

SECRET = "Secret-Manager-2026"


@pytest.fixture
def clinic(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", SECRET)
    data = tmp_path / "clinic"
    assert main(["init", "--data-dir", str(data), "--clinic-name", "Cabinet Rivière", "--structure",
                 "individual-practice", "--manager", "Claire Martin"]) == EXIT_OK
    capsys.readouterr()
    return data


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_french_status_and_a_lowercase_id_are_accepted(clinic, capsys):
    code, out, _ = run(capsys, "checklist", "set", "--data-dir", str(clinic), "gov-roles-01", "Conforme",
                       "--responsible", "Claire Martin")
    assert code == EXIT_OK and "GOV-ROLES-01" in out
    assert run(capsys, "checklist", "set", "--data-dir", str(clinic), "GOV-ROLES-02", "non-compliant")[0] == 0
    rows = json.loads(run(capsys, "checklist", "list", "--data-dir", str(clinic), "--json")[1])
    by_id = {row["id"]: row for row in rows}
    assert by_id["GOV-ROLES-01"]["status"] == "compliant"
    assert by_id["GOV-ROLES-01"]["responsible"] == "Claire Martin"
    assert by_id["GOV-ROLES-02"]["status"] == "non-compliant"


def test_list_filters_by_status_domain_and_responsible(clinic, capsys):
    run(capsys, "checklist", "set", "--data-dir", str(clinic), "GOV-ROLES-01", "compliant", "--responsible", "Claire")
    listed = lambda *f: json.loads(run(capsys, "checklist", "list", "--data-dir", str(clinic), "--json", *f)[1])
    assert [r["id"] for r in listed("--status", "conforme")] == ["GOV-ROLES-01"]
    assert [r["id"] for r in listed("--responsible", "claire")] == ["GOV-ROLES-01"]
    security = listed("--domain", "security")
    assert security and {r["domain"] for r in security} == {"security"}
    assert len(listed()) > len(security)
    code, out, _ = run(capsys, "checklist", "list", "--data-dir", str(clinic), "--status", "compliant")
    assert code == 0 and out.splitlines()[0].startswith("GOV-ROLES-01")


def test_show_prints_one_recommendation_as_text_and_json(clinic, capsys):
    run(capsys, "checklist", "set", "--data-dir", str(clinic), "GOV-ROLES-01", "partial", "--comment", "à finir")
    shown = json.loads(run(capsys, "checklist", "show", "--data-dir", str(clinic), "gov-roles-01", "--json")[1])
    assert shown["id"] == "GOV-ROLES-01" and shown["status"] == "partial" and shown["comment"] == "à finir"
    code, out, _ = run(capsys, "checklist", "show", "--data-dir", str(clinic), "GOV-ROLES-01")
    assert code == 0 and "GOV-ROLES-01" in out and "à finir" in out


@pytest.mark.parametrize("args, suggested", [
    (["checklist", "set", "GOV-ROLS-01", "compliant"], "GOV-ROLES-01"),
    (["checklist", "set", "GOV-ROLES-01", "conformee"], "conforme"),
    (["checklist", "show", "GOV-ROLS-01"], "GOV-ROLES-01"),
    (["checklist", "list", "--domain", "secu"], "security"),
    (["checklist", "list", "--status", "complaint"], "compliant"),
])
def test_a_mistyped_value_is_refused_with_a_suggestion(clinic, capsys, args, suggested):
    code, out, err = run(capsys, *args[:2], "--data-dir", str(clinic), *args[2:])
    assert code == EXIT_REFUSED
    assert len(err.strip().splitlines()) == 1 and "Vouliez-vous dire" in err and suggested in err
    assert "Traceback" not in err


def test_a_verification_that_finds_a_problem_exits_3_not_1(clinic, capsys):
    assert run(capsys, "audit", "verify", "--data-dir", str(clinic))[0] == EXIT_OK
    raw = sqlite3.connect(database_path(clinic), isolation_level=None)
    raw.execute("DROP TRIGGER audit_entry_no_update")
    raw.execute("UPDATE audit_entry SET actor_name = 'Personne' WHERE id = 1")
    raw.close()
    assert run(capsys, "audit", "verify", "--data-dir", str(clinic))[0] == EXIT_PROBLEM_FOUND


def test_bad_arguments_exit_2(clinic, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["checklist", "list", "--data-dir", str(clinic), "--nope"])
    assert exc.value.code == EXIT_USAGE


@pytest.mark.parametrize("args, expected", [
    (["checklist", "--data-dir", "clinic"], "il manque une commande après clinicguard checklist"),
    (["checklist"], "il manque une commande après clinicguard checklist : choisissez parmi set, list, show"),
    (["chekclist", "list"], "Vouliez-vous dire checklist ?"),
    (["checklist", "lst"], "Vouliez-vous dire list ?"),
    (["checklist", "list", "--jsn"], "Vouliez-vous dire --json ?"),
    (["evidence", "export", "abc", "--out", "x"], "'abc' : un nombre entier est attendu"),
])
def test_argument_mistakes_get_a_plain_message_and_exit_2(capsys, args, expected):
    with pytest.raises(SystemExit) as exc:
        main(args)
    err = capsys.readouterr().err
    assert exc.value.code == EXIT_USAGE
    assert expected in err and "choix invalide" not in err and "(int)" not in err


@pytest.mark.parametrize("args, expected", [
    (["audit", "export", "--out", "x.xlsx", "--since", "hier"], "Date illisible 'hier'"),
    (["audit", "export", "--out", "x.xlsx", "--until", "31/31/2026"], "Date illisible '31/31/2026'"),
    (["evidence", "add", "f.txt", "--expires", "demain"], "Date illisible 'demain'"),
    (["checklist", "set", "GOV-ROLES-01", "compliant", "--next-review", "2026-13-01"], "Date illisible"),
    (["export", "budget", "--out", "x.xlsx", "--year", "26"], "'26' n'est pas une année"),
])
def test_an_unreadable_date_or_year_is_refused_before_anything_runs(capsys, args, expected):
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == EXIT_USAGE
    assert expected in capsys.readouterr().err


def test_an_unknown_person_is_refused_rather_than_an_empty_export(clinic, tmp_path, capsys):
    out = tmp_path / "journal.xlsx"
    code, _, err = run(capsys, "audit", "export", "--data-dir", str(clinic), "--out", str(out), "--person", "Clare Martin")
    assert code == EXIT_REFUSED and "Clare Martin" in err and "Vouliez-vous dire Claire Martin ?" in err
    assert not out.exists()
    code, out_text, _ = run(capsys, "audit", "export", "--data-dir", str(clinic), "--out", str(out),
                            "--person", "claire martin", "--since", "01/01/2026")
    assert code == EXIT_OK and out.exists()


def test_every_option_and_argument_has_a_help_text():
    from clinicguard.cli import build_parser
    missing = []

    def walk(parser, path):
        for action in parser._actions:  # a test may read argparse's list; the CLI itself does not
            if action.help is None and not action.dest.endswith("command"):
                missing.append(f"{path} {action.option_strings or action.metavar or action.dest}")
        commands = getattr(parser, "commands", None)
        for name, child in (commands.choices.items() if commands is not None else ()):
            walk(child, f"{path} {name}")

    walk(build_parser(), "clinicguard")
    assert missing == []


def test_ids_in_lowercase_work_for_signoff_and_evidence(clinic, tmp_path, capsys):
    code, out, _ = run(capsys, "signoff", "status", "--data-dir", str(clinic), "gov-roles-01", "--json")
    assert code == EXIT_OK and "GOV-ROLES-01" in out
    code, _, err = run(capsys, "signoff", "status", "--data-dir", str(clinic), "gov-rols-01")
    assert code == EXIT_REFUSED and "Vouliez-vous dire GOV-ROLES-01 ?" in err
    (tmp_path / "contrat.txt").write_text("signé")
    assert run(capsys, "evidence", "add", "--data-dir", str(clinic), str(tmp_path / "contrat.txt"),
               "--item", "gov-roles-01")[0] == EXIT_OK
    listed = json.loads(run(capsys, "evidence", "list", "--data-dir", str(clinic), "--json")[1])
    assert listed[0]["items"] == ["GOV-ROLES-01"]
