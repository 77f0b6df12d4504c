"""The headless commands: init, demo, checklist set, status; clear one-line errors."""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from clinicguard import __version__, cli
from clinicguard.cli import main, translate_argparse_message
from clinicguard.i18n import set_language

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


@pytest.mark.parametrize("args", [["checklist", "set", "NOPE-01", "compliant"], ["status"]])
def test_errors_are_one_clear_line_without_traceback(tmp_path, capsys, args):
    data = tmp_path / "nothing-here"
    args = args[:2] + ["--data-dir", str(data)] + args[2:] if args[0] == "checklist" else args + ["--data-dir", str(data)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert str(data) in err and "clinicguard init" in err  # which folder, and what to do


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
    assert "phrase secrète" not in capsys.readouterr().out  # the key is in the credential store
    main(["status", "--data-dir", str(data), "--json"])
    status = json.loads(capsys.readouterr().out)
    counts = status["overall"]["counts"]
    assert counts["compliant"] > 5 and counts["partial"] > 0 and counts["non-compliant"] > 0
    assert 0 < status["overall"]["score"] < 100


def test_cli_runs_as_a_program_without_a_display(tmp_path):
    env = {"PATH": "", "CLINICGUARD_LANG": "en", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "clinicguard", "--version"], capture_output=True, text=True, env=env)
    assert result.returncode == 0 and __version__ in result.stdout


# ---- argparse's own texts, in the user's language ------------------------------------------------
def test_help_is_in_french(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("utilisation : clinicguard ")
    assert "\narguments positionnels:\n" in out and "\noptions:\n" in out
    assert "afficher cette aide et quitter" in out and "afficher le numéro de version et quitter" in out
    assert not re.search(r"\busage:|show this help|version number", out)


def test_help_is_in_english_with_lang_en(capsys):
    with pytest.raises(SystemExit):
        main(["--lang", "en", "--help"])
    out = capsys.readouterr().out
    set_language("fr")
    assert out.startswith("usage: clinicguard ") and "show this help message and exit" in out


def test_a_wrapped_usage_stays_aligned_under_the_french_prefix(capsys):
    with pytest.raises(SystemExit):
        main(["checklist", "set", "--help"])
    usage = capsys.readouterr().out.split("\n\n")[0].splitlines()
    assert len(usage) > 1
    column = len("utilisation : clinicguard checklist set ")
    assert usage[0][:column] == "utilisation : clinicguard checklist set "
    assert {len(line) - len(line.lstrip()) for line in usage[1:]} == {column}


@pytest.mark.parametrize("args, message", [
    (["status", "--bogus"], "clinicguard : erreur : arguments non reconnus : --bogus"),
    (["--lang", "xx"], "clinicguard : erreur : argument --lang : choix invalide : 'xx' (choisir parmi 'fr', 'en')"),
    (["export", "budget"], "clinicguard export budget : erreur : les arguments suivants sont obligatoires : --out"),
    (["export", "budget", "--out", "b.xlsx", "--year", "deux"],
     "clinicguard export budget : erreur : argument --year : 'deux' n'est pas une année : écrivez-la en entier, par exemple 2026."),
    (["export", "budget", "--out"], "clinicguard export budget : erreur : argument --out : un argument est attendu"),
])
def test_argument_errors_are_in_french_with_exit_status_2(capsys, args, message):
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("utilisation : clinicguard")
    assert err.rstrip().splitlines()[-1] == message


def test_a_message_argparse_did_not_write_is_left_as_it_is():
    assert translate_argparse_message("Bad value: x") == "Bad value: x"


def test_the_cli_touches_no_private_name_of_argparse():
    """argparse's texts are translated by overriding public methods, not by patching its module."""
    sources = sorted(Path(cli.__file__).parent.glob("*.py"))
    assert len(sources) > 1  # the package's modules, not only its __init__
    tree = ast.Module(body=[node for source in sources
                            for node in ast.parse(source.read_text(encoding="utf-8")).body], type_ignores=[])
    private = [ast.unparse(node) for node in ast.walk(tree)
               if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("argparse", "gettext")
               and node.attr.startswith("_")]
    patched = [ast.unparse(node) for node in ast.walk(tree) if isinstance(node, (ast.Assign, ast.AugAssign))
               for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
               if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
               and target.value.id in ("argparse", "gettext")]
    assert not private and not patched, private + patched


def test_the_data_folder_given_before_the_command_is_the_one_used(tmp_path, capsys):
    from clinicguard.core.workspace import Workspace

    folder = tmp_path / "clinic"
    ws, _recovery = Workspace.create(folder, clinic_name="Cabinet Avant", structure="group-practice",
                                     manager_name="Claire Martin", manager_secret="Secret-Manager-2026")
    ws.close()
    capsys.readouterr()
    assert main(["--data-dir", str(folder), "people", "list"]) == 0
    assert "Claire Martin" in capsys.readouterr().out
    assert main(["people", "list", "--data-dir", str(folder)]) == 0  # after it, as documented
    assert "Claire Martin" in capsys.readouterr().out


def test_a_demo_without_a_credential_store_says_the_passphrase_that_opens_it(tmp_path, capsys, monkeypatch):
    """Where no credential store protects the key, the demo keeps it behind a passphrase of its own
    choosing: the user is told it, and it is the one that opens the clinic again."""
    import keyring.backends.fail

    from clinicguard.core import keys
    from clinicguard.core.workspace import Workspace

    keyring.set_keyring(keyring.backends.fail.Keyring())
    data = tmp_path / "demo"
    assert main(["demo", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    found = re.search(r"protégée par la phrase secrète (\S+), demandée", out)
    assert found, out
    ws = Workspace.open(data, passphrase=found.group(1))
    assert ws.vault.verify().ok
    ws.close()
    wrong = Workspace.open(data, passphrase="autre-phrase-de-passe")
    with pytest.raises(keys.WrongPassphrase):
        wrong.vault.verify()
    wrong.close()


def test_a_demo_offers_its_manager_first_at_the_next_start(tmp_path, capsys):
    from clinicguard.core.demo import DEMO_MANAGER
    from clinicguard.core.opening import read_sign_in_list

    assert main(["demo", "--data-dir", str(tmp_path / "demo")]) == 0
    assert "Claire Martin" in capsys.readouterr().out
    assert read_sign_in_list(tmp_path / "demo").last == DEMO_MANAGER
