"""Formula injection and file safety in the Excel exports: every text a person typed reaches the
sheet XML as a string cell (never a formula, never a link), exactly as typed; characters Excel
refuses are dropped; over-long texts are cut with a mark; a crash never leaves half a workbook."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from openpyxl import Workbook

from clinicguard.core import exports
from clinicguard.core.exports import xlsx
from clinicguard.core.exports.xlsx import EXCEL_MAX_TEXT, ooxml_unescape, safe_text
from tests.conftest import MANAGER

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

PAYLOADS = [
    '=HYPERLINK("http://x","y")',
    "=1+1",
    "+33 6 12 34 56 78",
    "-1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "=cmd|' /C calc'!A0",
    "_x003D_1+1",  # looks like Excel's own escape of '='
]


# ---- reading the sheet XML ---------------------------------------------------------------------------
def sheets_xml(path: Path) -> dict[str, ET.Element]:
    """Each sheet's XML root, by sheet name, read straight from the .xlsx zip."""
    with zipfile.ZipFile(path) as z:
        book = ET.fromstring(z.read("xl/workbook.xml"))
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        result = {}
        for sheet in book.find("m:sheets", NS):
            target = targets[sheet.get(f"{{{R_NS}}}id")].lstrip("/")
            target = target if target.startswith("xl/") else "xl/" + target
            result[sheet.get("name")] = ET.fromstring(z.read(target))
        return result


def quote_prefixed_styles(path: Path) -> set[int]:
    with zipfile.ZipFile(path) as z:
        styles = ET.fromstring(z.read("xl/styles.xml"))
    xfs = styles.find("m:cellXfs", NS)
    return {n for n, xf in enumerate(xfs) if xf.get("quotePrefix") in ("1", "true")}


def cells(root: ET.Element) -> list[dict]:
    result = []
    for c in root.iter(f"{{{NS['m']}}}c"):
        f = c.find("m:f", NS)
        t = c.find("m:is/m:t", NS)
        result.append({"ref": c.get("r"), "type": c.get("t"), "style": int(c.get("s", "0")),
                       "formula": None if f is None else (f.text or ""),
                       "text": None if t is None else ooxml_unescape(t.text or "")})
    return result


def user_cells(path: Path, typed: set[str]) -> list[tuple[str, dict]]:
    """Every cell whose text, as Excel shows it, is one of the typed texts."""
    return [(name, c) for name, root in sheets_xml(path).items() for c in cells(root) if c["text"] in typed]


def assert_safe(path: Path, typed: set[str]) -> None:
    prefixed = quote_prefixed_styles(path)
    found = user_cells(path, typed)
    assert {c["text"] for _, c in found} == typed, f"some typed texts are missing from {path.name}"
    for sheet, c in found:
        assert c["formula"] is None and c["type"] == "inlineStr", (sheet, c)
        if c["text"].startswith(xlsx.DANGEROUS_START):
            assert c["style"] in prefixed, (sheet, c)
    for sheet, root in sheets_xml(path).items():
        for c in cells(root):
            if c["formula"] is not None:
                assert not any(t.strip() and t.strip() in c["formula"] for t in typed), (sheet, c)
        assert root.find("m:hyperlinks", NS) is None


# ---- every field a user types -----------------------------------------------------------------------
def fill_every_field(ws, manager, text: str):
    """Put `text` (slightly varied per field, so each is found on its own) in every typed field."""
    ws.settings.update(manager, name=text + " clinic")
    ws.people.add(manager, (text + " person").strip()[:80], "practitioner", "Praticien-Secret-2026")
    ws.checklist.set_assessment(manager, "SEC-BACKUP-01", status="partial", comment=text + " comment",
                      responsible=text + " responsible")
    plan = ws.plan
    action = plan.create_action(manager, title=text + " title", description=text + " description",
                                owner=text + " owner", item_ids=["SEC-BACKUP-01"], due_date="2026-06-30")
    plan.add_line(manager, action.id, label=text + " label", supplier=text + " supplier",
                  invoice_ref=text + " invoice", planned_ht=123456, actual_ht=120000, expense_date="2026-05-02",
                  invoice_date="2026-05-10", nature="investment", category="hardware", depreciation_years=3)
    return ws.plan.action(action.id), ws.plan.lines(action.id)[0]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_typed_text_never_becomes_a_formula_in_any_workbook(workspace, manager, tmp_path, payload):
    action, line = fill_every_field(workspace, manager, payload)
    assessment = workspace.checklist.store.get("SEC-BACKUP-01")
    clinic = workspace.settings.clinic.name
    # What the app stored (titles are trimmed) is what the workbook must show, character for character.
    typed_plan = {action.title, action.description, action.owner, line.label, line.supplier, line.invoice_ref}
    exports.export_budget(workspace, manager, 2026, tmp_path / "budget.xlsx")
    exports.export_actions(workspace, manager, tmp_path / "actions.xlsx")
    exports.export_checklist(workspace, manager, tmp_path / "checklist.xlsx")
    assert_safe(tmp_path / "budget.xlsx", {action.title, line.label, line.supplier, line.invoice_ref, clinic, MANAGER})
    assert_safe(tmp_path / "actions.xlsx", typed_plan | {clinic})
    assert_safe(tmp_path / "checklist.xlsx", {assessment.comment, assessment.responsible, clinic})


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://x","y")', "@SUM(A1)", "-1"])
def test_a_person_whose_name_looks_like_a_formula_exports_safely(workspace, manager, tmp_path, payload):
    name = (payload + " person")[:80]
    workspace.people.add(manager, name, "practitioner", "Praticien-Secret-2026")
    person = workspace.people.sign_in(name, "Praticien-Secret-2026")
    exports.export_checklist(workspace, person, tmp_path / "c.xlsx")
    assert_safe(tmp_path / "c.xlsx", {name})


# ---- the helpers themselves ------------------------------------------------------------------------
def write_one(tmp_path: Path, value) -> tuple[dict, Path]:
    book = Workbook()
    xlsx.put(book.active, 1, 1, xlsx.TEXT, value)
    path = xlsx.save_atomically(book, tmp_path / "one.xlsx")
    return cells(next(iter(sheets_xml(path).values())))[0], path


@pytest.mark.parametrize("payload", PAYLOADS + ["a\r\nb", "trailing\r", "_x0041_ and _X004a_", "é€😀"])
def test_text_cells_store_exactly_what_was_typed(tmp_path, payload):
    cell, path = write_one(tmp_path, payload)
    assert cell["formula"] is None and cell["type"] == "inlineStr"
    assert cell["text"] == payload
    if payload.startswith(xlsx.DANGEROUS_START):
        assert cell["style"] in quote_prefixed_styles(path)


def test_characters_excel_refuses_are_removed():
    typed = "A\x00B\x01C\x08D\x0bE\x0cF\x1fG\ud800H\udfffI\uffffJ\tK\nL\rM"
    assert safe_text(typed) == "ABCDEFGHIJ\tK\nL\rM"


def test_refused_characters_never_break_the_file(tmp_path):
    cell, _ = write_one(tmp_path, "=x\x00\x07y\ud83d")
    assert cell["text"] == "=xy" and cell["formula"] is None


def test_texts_over_the_excel_limit_are_cut_with_a_visible_mark(tmp_path):
    mark = xlsx.truncation_mark()
    assert mark.strip()
    long = "a" * 40_000
    cut = safe_text(long)
    assert cut.endswith(mark) and len(cut) == EXCEL_MAX_TEXT and cut.startswith("a" * 30_000)
    assert safe_text("a" * EXCEL_MAX_TEXT) == "a" * EXCEL_MAX_TEXT  # exactly at the limit: untouched
    # astral characters count twice in Excel's UTF-16 limit
    emoji = safe_text("😀" * 20_000)
    assert emoji.endswith(mark) and len(emoji.encode("utf-16-le")) // 2 <= EXCEL_MAX_TEXT
    cell, _ = write_one(tmp_path, "=" + "b" * 40_000)
    assert cell["text"].endswith(mark) and cell["formula"] is None
    assert len(cell["text"].encode("utf-16-le")) // 2 <= EXCEL_MAX_TEXT


def test_a_long_comment_reaches_the_checklist_workbook_cut_with_the_mark(workspace, manager, tmp_path):
    workspace.checklist.set_assessment(manager, "SEC-BACKUP-01", status="partial", comment="=" + "z" * 33_000)
    exports.export_checklist(workspace, manager, tmp_path / "c.xlsx")
    found = [c for root in sheets_xml(tmp_path / "c.xlsx").values() for c in cells(root)
             if c["text"] and c["text"].startswith("=zzz")]
    assert len(found) == 1 and found[0]["text"].endswith(xlsx.truncation_mark()) and found[0]["formula"] is None


# ---- atomic writing ----------------------------------------------------------------------------------
class Crash(Exception):
    pass


def test_a_crash_while_saving_leaves_the_previous_workbook_and_no_temporary_file(workspace, manager, tmp_path,
                                                                                 monkeypatch):
    out = tmp_path / "out" / "budget.xlsx"
    out.parent.mkdir()
    out.write_bytes(b"previous workbook")

    def crash_half_way(self, filename):
        Path(filename).write_bytes(b"PK\x03\x04 half a zip")
        raise Crash("power cut")

    monkeypatch.setattr(Workbook, "save", crash_half_way)
    with pytest.raises(Crash):
        exports.export_budget(workspace, manager, 2026, out)
    assert out.read_bytes() == b"previous workbook"
    assert [p.name for p in out.parent.iterdir()] == ["budget.xlsx"]
    entries = [e.kind for e in workspace.audit.entries()]
    assert "export.budget" not in entries  # nothing was exported, so nothing is recorded


def test_a_successful_export_replaces_the_file_and_is_recorded(workspace, manager, tmp_path):
    out = tmp_path / "exports" / "budget.xlsx"
    out.parent.mkdir()
    out.write_bytes(b"previous workbook")
    exports.export_budget(workspace, manager, 2026, out)
    assert zipfile.is_zipfile(out)
    assert [p.name for p in out.parent.iterdir()] == ["budget.xlsx"]
    last = workspace.audit.entries()[-1]
    assert last.kind == "export.budget" and last.after["file"] == "budget.xlsx" and last.after["fiscal_year"] == 2026
    assert re.fullmatch(r"\d+:[0-9a-f]{64}", last.after["audit_head"])
