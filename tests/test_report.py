"""The compliance report: a real PDF, read back with poppler (pdftotext, pdffonts) and qpdf, as an
inspector's tools would read it."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest

from clinicguard.core.reports import NotAPdfName, export_report, score_trend
from clinicguard.core.reports.content import report_content
from clinicguard.core.status import status_object
from clinicguard.core.workspace import Workspace
from clinicguard.model.audit import AuditEntry
from clinicguard.model.errors import ClinicGuardError
from tests.conftest import MANAGER, MANAGER_SECRET

# poppler-utils and qpdf read the PDF as an inspector's tools would (CI installs them; where they
# are missing, as on the Windows runner, these tests are skipped like the LibreOffice ones).
POPPLER = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
                             reason="poppler-utils (pdftotext, pdffonts) is not installed")
QPDF = pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")

# Characters that mean something to Typst (and to HTML, LaTeX, Markdown): they must print as typed.
MARKUP = r'#set text(red) *gras* _pench_ <b>x</b> $x^2$ \ [lien] @ref // fin `code` ~ #strong[y]'


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def squeezed(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def clinic(workspace, manager, tmp_path):
    """The test clinic with answers, a practitioner's sign-off, a valid and an expired evidence file,
    and an open action."""
    ws = workspace
    karim = ws.people.add(manager, "Dr Karim Benali", "practitioner", "4826").actor
    ws.checklist.set_assessment(manager, "GOV-ROLES-01", status="compliant", comment=MARKUP,
                                responsible="Sophie Leroy", next_review=date.today() + timedelta(days=90))
    ws.checklist.set_assessment(manager, "GOV-ROLES-02", status="partial", comment="Procédure à diffuser.")
    ws.checklist.set_assessment(manager, "SEC-BACKUP-01", status="non-compliant")
    ws.signoffs.confirm(ws.people.sign_in("Dr Karim Benali", "4826"), "GOV-ROLES-01")
    proof = tmp_path / "charte.txt"
    proof.write_text("Charte informatique signée", encoding="utf-8")
    ws.vault.add(manager, proof, title="Charte informatique 2026", items=["GOV-ROLES-01"])
    old = tmp_path / "attestation.txt"
    old.write_text("ancienne attestation", encoding="utf-8")
    ws.vault.add(manager, old, title="Attestation de formation 2020", items=["GOV-ROLES-01"],
                 valid_from="2020-01-01", expires_on="2021-01-01")
    ws.plan.create_action(manager, title="Tester la restauration *vite*", item_ids=["SEC-BACKUP-01"],
                          owner="Claire <Martin>", due_date=(date.today() + timedelta(days=20)).isoformat())
    assert karim
    return ws


@POPPLER
def test_the_report_names_every_recommendation_with_its_status_and_the_audit_head(clinic, manager, tmp_path):
    out = export_report(clinic, manager, tmp_path / "rapport.pdf")
    text = pdf_text(out)
    flat = squeezed(text)
    assert "Rapport de conformité" in text and "Cabinet Test" in text and "Cabinet de groupe" in text
    for row in clinic.checklist.rows():
        line = next(line for line in text.splitlines() if row.item.id in line and " — " in line)
        assert row.status.label in line, (row.item.id, line)
    # The head printed is the one before the report's own entry, which records it.
    entry = clinic.audit.search(kind="export.report")[-1]
    assert entry.after["audit_head"] in flat
    assert entry.after["file"] == "rapport.pdf"
    assert entry.after["score"] == status_object(clinic)["overall"]["score"]
    overall = f"{entry.after['score']:.1f}".replace(".", ",")
    assert re.search(r"Score global\s+(Recommandations par statut\s+)?" + overall + r"\s%", text)  # as status --json
    assert "Dr Karim Benali" in flat  # the sign-off
    assert "Charte informatique 2026" in flat and "(expirée)" in flat  # the expired certificate
    assert "Tester la restauration *vite*" in flat and "Claire <Martin>" in flat
    assert "projet de recommandation soumis à consultation publique en mars 2025" in flat  # the method page
    assert "Score = somme (gravité × crédit)" in flat


@POPPLER
def test_text_typed_by_users_prints_exactly_as_typed(clinic, manager, tmp_path):
    flat = squeezed(pdf_text(export_report(clinic, manager, tmp_path / "r.pdf")))
    assert squeezed(MARKUP) in flat


@POPPLER
@QPDF
def test_the_report_is_pdf_a_with_every_font_embedded(clinic, manager, tmp_path):
    out = export_report(clinic, manager, tmp_path / "r.pdf")
    fonts = subprocess.run(["pdffonts", str(out)], check=True, capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts, "no font found"
    for line in fonts:
        # columns: name, type, encoding, emb, sub, uni, object, ID: "emb" is the fifth from the end
        assert line.split()[-5] == "yes", line
    check = subprocess.run(["qpdf", "--check", str(out)], check=False, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    raw = out.read_bytes()
    assert b"<pdfaid:part>2</pdfaid:part>" in raw and b"<pdfaid:conformance>A</pdfaid:conformance>" in raw
    assert b"<pdfuaid:part>1</pdfuaid:part>" in raw and b"/StructTreeRoot" in raw  # tagged, accessible
    assert b"/OutputIntents" in raw and b"GTS_PDFA1" in raw


@POPPLER
def test_english_on_request_while_the_interface_stays_french(clinic, manager, tmp_path):
    text = squeezed(pdf_text(export_report(clinic, manager, tmp_path / "r.pdf", lang="en")))
    assert "Compliance report" in text and "Compliant" in text and "Partly compliant" in text
    from clinicguard.i18n import language, tr
    assert language() == "fr" and tr("Compliant") == "Conforme"


def test_a_name_not_ending_in_pdf_is_refused_and_nothing_is_written(clinic, manager, tmp_path):
    with pytest.raises(NotAPdfName):
        export_report(clinic, manager, tmp_path / "rapport.docx")
    with pytest.raises(ClinicGuardError):
        export_report(clinic, manager, tmp_path / "missing-folder" / "r.pdf")
    assert list(tmp_path.glob("*.pdf")) == [] and not clinic.audit.search(kind="export.report")


@POPPLER
def test_a_clinic_with_nothing_answered_still_gets_its_report(workspace, manager, tmp_path):
    out = export_report(workspace, manager, tmp_path / "vide.pdf")
    text = squeezed(pdf_text(out))
    assert "Aucune évaluation n'a encore été enregistrée." in text and "Aucune action en cours." in text
    assert b"<pdfaid:conformance>A</pdfaid:conformance>" in out.read_bytes()


def _entry(n, ts, item, status):
    return AuditEntry(n, ts, 1, "C", "assessment.update", "recommendation", item, None, {"status": status}, "")


def test_the_trend_replays_the_journal_day_by_day(small_catalogue):
    entries = [_entry(1, "2026-01-10T10:00:00+00:00", "GOV-ROLES-01", "compliant"),
               _entry(2, "2026-01-10T11:00:00+00:00", "GOV-ROLES-02", "partial"),
               _entry(3, "2026-03-02T09:00:00+00:00", "GOV-ROLES-02", "compliant")]
    points = score_trend(entries, small_catalogue, "group-practice")
    assert [p[0] for p in points] == [date(2026, 1, 10), date(2026, 3, 2)]
    assert points[0][1] < points[1][1]


def test_the_last_trend_point_is_todays_score(clinic, manager):
    content = report_content(clinic, manager)
    assert content["summary"]["trend"][-1]["text"] == content["summary"]["overall"]


@POPPLER
def test_the_registers_section_says_where_each_register_stands(clinic, manager, tmp_path):
    clinic.registers.add_from_template(manager, "patient-records")
    clinic.registers.add_incident(manager, title="Hameçonnage du secrétariat", discovered_at="2026-11-20 08:00")
    rows = dict(map(tuple, report_content(clinic, manager)["registers"]["rows"]))
    assert rows["Traitements inscrits au registre"] == "1"
    assert rows["Incidents enregistrés (notifiés ou non)"] == "1"
    assert "Hameçonnage du secrétariat" in rows["Incidents ayant dépassé le délai de notification de 72 heures"]
    text = squeezed(pdf_text(export_report(clinic, manager, tmp_path / "r.pdf")))
    assert "Registres" in text and "Hameçonnage du secrétariat" in text


@POPPLER
def test_no_text_runs_past_the_page_edge_even_with_long_words(clinic, manager, tmp_path):
    """Hashes and pasted links have no space to break at: the layout still keeps them on the page."""
    long_word = "https://intranet.example/procedures/sauvegarde-" + "0123456789abcdef" * 4
    clinic.checklist.set_assessment(manager, "SEC-BACKUP-02", status="partial", comment=long_word,
                                    responsible="Responsable-informatique-du-cabinet-medical-des-Tilleuls")
    out = export_report(clinic, manager, tmp_path / "r.pdf")
    boxes = subprocess.run(["pdftotext", "-bbox", str(out), "-"], check=True, capture_output=True, text=True).stdout
    pages = re.findall(r'<page width="([\d.]+)"', boxes)
    right_edges = [float(x) for x in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"', boxes)]
    assert pages and right_edges
    margin = 1.8 / 2.54 * 72  # the report's side margin, in points
    assert max(right_edges) <= float(pages[0]) - margin + 1


def test_content_that_breaks_the_stricter_standards_still_gives_an_archival_pdf(clinic, manager, tmp_path,
                                                                                 monkeypatch, caplog):
    import typst

    real = typst.compile

    def strict_refuses(*args, pdf_standards=(), **kwargs):
        if "ua-1" in pdf_standards:
            raise RuntimeError("PDF/UA-1 error: (simulated)")
        return real(*args, pdf_standards=pdf_standards, **kwargs)

    monkeypatch.setattr(typst, "compile", strict_refuses)
    raw = export_report(clinic, manager, tmp_path / "r.pdf").read_bytes()
    assert b"<pdfaid:conformance>B</pdfaid:conformance>" in raw and b"pdfuaid" not in raw
    assert "PDF/UA-1 error" in caplog.text


def test_each_recommendation_says_what_kind_of_source_it_rests_on(tmp_path):
    """Catalogue 2026.1 marks each item law, regulation, référentiel, recommendation, good practice
    or draft: the report says it beside the item, so a recommendation never reads as a legal duty."""
    ws, _ = Workspace.create(tmp_path / "clinic", clinic_name="Cabinet Source", structure="group-practice",
                             manager_name=MANAGER, manager_secret=MANAGER_SECRET)
    try:
        manager = ws.people.sign_in(MANAGER, MANAGER_SECRET)
        blocks = {b["id"]: b for dom in report_content(ws, manager)["domains"] for b in dom["items"]}
        assert blocks["GOV-ROLES-03"]["source_status"] == "Loi (ou règlement européen)"
        assert blocks["GOV-ROLES-01"]["source_status"] == "Recommandation d'une autorité"
        assert all(b["source_status"] for b in blocks.values())
    finally:
        ws.close()
