"""The evidence commands: add, list, export, verify (exit status and names), delete, status JSON."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta

import pytest

from clinicguard.cli import main

SECRET = "Secret-Manager-2026"


@pytest.fixture
def clinic_dir(tmp_path, monkeypatch, capsys, small_catalogue):
    # The commands load the bundled catalogue; the small test catalogue keeps these tests independent of it.
    monkeypatch.setattr("clinicguard.core.workspace.bundled_catalogue", lambda: small_catalogue)
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", SECRET)
    data = tmp_path / "clinic"
    assert main(["init", "--data-dir", str(data), "--clinic-name", "Cabinet Rivière", "--structure",
                 "group-practice", "--manager", "Claire Martin", "--recovery-sheet", str(tmp_path / "sheet.txt")]) == 0
    capsys.readouterr()
    return data


@pytest.fixture
def item_ids(small_catalogue):
    return [i.id for i in small_catalogue.items if i.applies("group-practice")][:2]


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_add_list_export_round_trip(clinic_dir, tmp_path, capsys, item_ids):
    charte = tmp_path / "Charte informatique.pdf"
    charte.write_bytes(b"%PDF-1.4 " + os.urandom(70000))
    certificat = tmp_path / "certificat.txt"
    certificat.write_bytes(b"Attestation de formation")
    expires = (date.today() + timedelta(days=30)).isoformat()
    code, out, _ = run(capsys, "evidence", "add", "--data-dir", str(clinic_dir), str(charte), str(certificat),
                       "--item", item_ids[0], "--item", item_ids[1], "--title", "Pièce", "--expires", expires)
    assert code == 0 and out.count("SHA-256") == 2

    code, out, _ = run(capsys, "evidence", "list", "--data-dir", str(clinic_dir), "--json")
    listed = json.loads(out)
    assert code == 0 and len(listed) == 2
    by_name = {e["original_name"]: e for e in listed}
    assert by_name["certificat.txt"]["items"] == item_ids
    assert by_name["certificat.txt"]["expires_on"] == expires and by_name["certificat.txt"]["expiry"] == "expiring"
    assert by_name["Charte informatique.pdf"]["size"] == charte.stat().st_size

    out_dir = tmp_path / "export"
    out_dir.mkdir()
    evidence_id = str(by_name["Charte informatique.pdf"]["id"])
    code, out, _ = run(capsys, "evidence", "export", "--data-dir", str(clinic_dir), evidence_id, "--out", str(out_dir))
    assert code == 0
    assert (out_dir / "Charte informatique.pdf").read_bytes() == charte.read_bytes()
    code, _, _ = run(capsys, "evidence", "export", "--data-dir", str(clinic_dir), evidence_id,
                     "--out", str(out_dir / "copie.pdf"))
    assert code == 0 and (out_dir / "copie.pdf").read_bytes() == charte.read_bytes()

    code, out, _ = run(capsys, "status", "--data-dir", str(clinic_dir), "--json")
    status = json.loads(out)
    assert status["evidence_files"] == 2
    assert [e["title"] for e in status["evidence_expiring_60_days"]] == ["Pièce", "Pièce"]
    assert status["evidence_expired"] == []
    assert item_ids[0] not in status["items_without_evidence"] and status["items_without_evidence"]


def test_verify_exit_status_names_damaged_and_missing(clinic_dir, tmp_path, capsys):
    for name in ("intact.txt", "abime.txt", "disparu.txt"):
        (tmp_path / name).write_bytes(name.encode() * 1000)
        assert run(capsys, "evidence", "add", "--data-dir", str(clinic_dir), str(tmp_path / name))[0] == 0
    code, out, _ = run(capsys, "evidence", "verify", "--data-dir", str(clinic_dir))
    assert code == 0 and "3" in out

    listed = {e["original_name"]: e for e in json.loads(run(capsys, "evidence", "list", "--data-dir",
                                                             str(clinic_dir), "--json")[1])}
    vault = clinic_dir / "vault"
    blob = vault / f"{listed['abime.txt']['blob']}.age"
    raw = bytearray(blob.read_bytes())
    raw[-30] ^= 4
    blob.write_bytes(bytes(raw))
    (vault / f"{listed['disparu.txt']['blob']}.age").unlink()

    code, out, err = run(capsys, "evidence", "verify", "--data-dir", str(clinic_dir))
    assert code == 3  # EXIT_PROBLEM_FOUND: a script tells it from a refusal
    assert "abime.txt" in out and "disparu.txt" in out and "intact.txt" not in out
    assert "disparu.txt" in err  # the startup check reports the missing file too


def test_export_of_damaged_file_writes_nothing(clinic_dir, tmp_path, capsys):
    (tmp_path / "a.txt").write_bytes(b"a" * 100000)
    run(capsys, "evidence", "add", "--data-dir", str(clinic_dir), str(tmp_path / "a.txt"))
    blob = next((clinic_dir / "vault").glob("*.age"))
    blob.write_bytes(blob.read_bytes()[:-100])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, _, err = run(capsys, "evidence", "export", "--data-dir", str(clinic_dir), "1", "--out", str(out_dir))
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert list(out_dir.iterdir()) == []


def test_clear_errors(clinic_dir, tmp_path, capsys):
    code, _, err = run(capsys, "evidence", "add", "--data-dir", str(clinic_dir), str(tmp_path / "absent.pdf"))
    assert code == 1 and "absent.pdf" in err
    (tmp_path / "a.txt").write_bytes(b"a")
    code, _, err = run(capsys, "evidence", "add", "--data-dir", str(clinic_dir), str(tmp_path / "a.txt"),
                       "--item", "NO-SUCH-ITEM")
    assert code == 1 and "NO-SUCH-ITEM" in err
    code, _, err = run(capsys, "evidence", "export", "--data-dir", str(clinic_dir), "42", "--out", str(tmp_path))
    assert code == 1 and "42" in err
    code, out, _ = run(capsys, "evidence", "list", "--data-dir", str(clinic_dir))
    assert code == 0 and out.strip()
    assert list((clinic_dir / "vault").glob("*.age")) == []


def test_delete_needs_a_reason_and_is_audited(clinic_dir, tmp_path, capsys):
    (tmp_path / "a.txt").write_bytes(b"a")
    run(capsys, "evidence", "add", "--data-dir", str(clinic_dir), str(tmp_path / "a.txt"))
    with pytest.raises(SystemExit):
        main(["evidence", "delete", "--data-dir", str(clinic_dir), "1"])
    capsys.readouterr()
    code, _, err = run(capsys, "evidence", "delete", "--data-dir", str(clinic_dir), "1", "--reason", " ")
    assert code == 1
    code, _, _ = run(capsys, "evidence", "delete", "--data-dir", str(clinic_dir), "1", "--reason", "Doublon")
    assert code == 0
    listed = json.loads(run(capsys, "evidence", "list", "--data-dir", str(clinic_dir), "--json")[1])
    assert listed == [] and list((clinic_dir / "vault").glob("*.age")) == []


def test_only_the_vault_commands_run_the_start_up_check(clinic_dir, tmp_path, capsys):
    (tmp_path / "a.txt").write_bytes(b"a" * 1000)
    assert run(capsys, "evidence", "add", "--data-dir", str(clinic_dir), str(tmp_path / "a.txt"))[0] == 0
    vault = clinic_dir / "vault"
    orphan = vault / "0123456789abcdef0123456789abcdef.age"  # a blob whose row a crash never wrote
    orphan.write_bytes(next(vault.glob("*.age")).read_bytes())

    code, out, err = run(capsys, "status", "--data-dir", str(clinic_dir), "--json")
    assert code == 0 and json.loads(out)["evidence_files"] == 1 and err == ""
    assert orphan.exists() and not (vault / "quarantine").exists()  # a reading command moves nothing

    code, _, err = run(capsys, "evidence", "list", "--data-dir", str(clinic_dir))
    assert code == 0 and "quarantaine" in err
    assert not orphan.exists() and (vault / "quarantine" / orphan.name).exists()
