"""`clinicguard report pdf` and `clinicguard report pack`: real files, read back as an inspector would."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import subprocess
import zipfile

import pytest
import pyzipper

from clinicguard.cli import main
from clinicguard.core.workspace import Workspace
from clinicguard.i18n import set_language

POPPLER = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
SEVEN_ZIP = shutil.which("7zz") or shutil.which("7z")
SECRET = "Secret-Manager-2026"
PACK_PASSWORD = "Inspection-ARS-2026"


@pytest.fixture(autouse=True)
def french_again():
    yield
    set_language("fr")  # `--lang en` switches the whole command's language


@pytest.fixture
def clinic_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLINICGUARD_PROFILE_SECRET", SECRET)
    data = tmp_path / "clinic"
    assert main(["init", "--data-dir", str(data), "--clinic-name", "Cabinet Rivière", "--structure",
                 "group-practice", "--manager", "Claire Martin"]) == 0
    assert main(["checklist", "set", "--data-dir", str(data), "GOV-ROLES-01", "compliant",
                 "--comment", "*pas du gras* #set"]) == 0
    charte, old = tmp_path / "charte.txt", tmp_path / "ancienne.txt"
    charte.write_text("charte signée", encoding="utf-8")
    old.write_text("attestation 2019", encoding="utf-8")
    assert main(["evidence", "add", "--data-dir", str(data), str(charte), "--item", "GOV-ROLES-01",
                 "--title", "Charte"]) == 0
    assert main(["evidence", "add", "--data-dir", str(data), str(old), "--item", "GOV-ROLES-01", "--item",
                 "SEC-BAK-01", "--title", "Vieille attestation", "--valid-from", "2019-01-01",
                 "--expires", "2020-01-01"]) == 0
    capsys.readouterr()
    return data


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


@POPPLER
def test_report_pdf_writes_a_french_report_and_journals_it(clinic_dir, tmp_path, capsys):
    out = tmp_path / "rapport.pdf"
    assert main(["report", "pdf", "--data-dir", str(clinic_dir), "--out", str(out)]) == 0
    assert "Rapport écrit dans" in capsys.readouterr().out
    text = pdf_text(out)
    assert "Rapport de conformité" in text and "Cabinet Rivière" in text and "*pas du gras* #set" in text
    ws = Workspace.open(clinic_dir)
    try:
        assert [e.after["file"] for e in ws.audit.search(kind="export.report")] == ["rapport.pdf"]
    finally:
        ws.close()


@POPPLER
def test_report_pdf_in_english(clinic_dir, tmp_path):
    out = tmp_path / "report.pdf"
    assert main(["report", "pdf", "--data-dir", str(clinic_dir), "--out", str(out), "--lang", "en"]) == 0
    assert "Compliance report" in pdf_text(out)


def test_report_pdf_refuses_another_extension_in_one_line(clinic_dir, tmp_path, capsys):
    assert main(["report", "pdf", "--data-dir", str(clinic_dir), "--out", str(tmp_path / "r.docx")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ".pdf" in err and "Traceback" not in err
    assert not list(tmp_path.glob("r.*"))


def test_pack_of_one_item_with_a_password(clinic_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLINICGUARD_PACK_PASSWORD", PACK_PASSWORD)
    out = tmp_path / "inspection.zip"
    assert main(["report", "pack", "--data-dir", str(clinic_dir), "--out", str(out), "--items", "gov-roles-01",
                 "--current", "--encrypt"]) == 0
    assert "1 fichier de preuve" in capsys.readouterr().out
    # encrypted: readable only with the password
    with zipfile.ZipFile(out) as plain_reader, pytest.raises(RuntimeError):
        plain_reader.read("index.csv")
    with pyzipper.AESZipFile(out) as archive:
        archive.setpassword(PACK_PASSWORD.encode())
        names = archive.namelist()
        assert "rapport-conformite.pdf" in names and "recommandations.xlsx" in names
        assert "preuves/GOV-ROLES-01/1-charte.txt" in names
        assert not any("ancienne" in n for n in names)  # expired, and --current asked for valid ones
        assert archive.read("preuves/GOV-ROLES-01/1-charte.txt").decode() == "charte signée"
        index = list(csv.reader(io.StringIO(archive.read("index.csv").decode("utf-8-sig")), delimiter=";"))
        for path, _size, digest, *_ in index[1:]:
            assert hashlib.sha256(archive.read(path)).hexdigest() == digest, path
        readme = archive.read("LISEZMOI.txt").decode()
    ws = Workspace.open(clinic_dir)
    try:
        head_before_pack = ws.audit.search(kind="export.pack")[-1].after["audit_head"]
        exported = ws.audit.search(kind="evidence.export")
    finally:
        ws.close()
    assert head_before_pack in readme
    assert [e.actor_name for e in exported] == ["Claire Martin"]
    assert "inspection.zip › preuves/GOV-ROLES-01/1-charte.txt" in exported[0].after["to"]


def test_pack_without_password_files_evidence_under_each_item(clinic_dir, tmp_path):
    out = tmp_path / "pack.zip"
    assert main(["report", "pack", "--data-dir", str(clinic_dir), "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
    assert {"preuves/GOV-ROLES-01/2-ancienne.txt", "preuves/SEC-BAK-01/2-ancienne.txt"} <= set(names)


def test_pack_refuses_an_unknown_item_and_a_short_password(clinic_dir, tmp_path, monkeypatch, capsys):
    out = tmp_path / "pack.zip"
    assert main(["report", "pack", "--data-dir", str(clinic_dir), "--out", str(out), "--items", "NOPE-1"]) == 1
    assert "NOPE-1" in capsys.readouterr().err
    monkeypatch.setenv("CLINICGUARD_PACK_PASSWORD", "court")
    assert main(["report", "pack", "--data-dir", str(clinic_dir), "--out", str(out), "--encrypt"]) == 1
    assert "10 caractères" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob(".pack*"))


@pytest.mark.skipif(SEVEN_ZIP is None, reason="7-Zip is not installed (Debian package 7zip)")
def test_seven_zip_opens_the_encrypted_pack_with_its_password_only(clinic_dir, tmp_path, monkeypatch):
    """7-Zip is what an inspector on Windows opens an AES archive with (Debian's 7zip: `7zz`)."""
    monkeypatch.setenv("CLINICGUARD_PACK_PASSWORD", PACK_PASSWORD)
    out = tmp_path / "inspection.zip"
    assert main(["report", "pack", "--data-dir", str(clinic_dir), "--out", str(out), "--encrypt"]) == 0
    seven = SEVEN_ZIP
    good = subprocess.run([seven, "t", f"-p{PACK_PASSWORD}", str(out)], check=False, capture_output=True, text=True)
    assert good.returncode == 0 and "Everything is Ok" in good.stdout, good.stdout + good.stderr
    listing = subprocess.run([seven, "l", "-slt", str(out)], check=True, capture_output=True, text=True).stdout
    assert "AES-256" in listing
    bad = subprocess.run([seven, "t", "-pwrong-password", str(out)], check=False, capture_output=True, text=True)
    assert bad.returncode != 0
