"""`evidence list` shows dates as a French reader expects them (DD/MM/YYYY), not ISO."""

from __future__ import annotations

from clinicguard.cli import main

SECRET = "Secret-Manager-2026"


def test_evidence_list_shows_the_expiry_as_dd_mm_yyyy(tmp_path, monkeypatch, capsys, small_catalogue):
    monkeypatch.setattr("clinicguard.core.workspace.bundled_catalogue", lambda: small_catalogue)
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", SECRET)
    data = tmp_path / "clinic"
    assert main(["init", "--data-dir", str(data), "--clinic-name", "Cabinet Rivière", "--structure",
                 "group-practice", "--manager", "Claire Martin", "--recovery-sheet", str(tmp_path / "sheet.txt")]) == 0
    certificat = tmp_path / "certificat HDS.pdf"
    certificat.write_bytes(b"%PDF-1.4 certificat")
    assert main(["evidence", "add", "--data-dir", str(data), str(certificat), "--valid-from", "2024-03-04",
                 "--expires", "04/03/2027"]) == 0
    capsys.readouterr()
    assert main(["evidence", "list", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "expire le 04/03/2027" in out and "2027-03-04" not in out
