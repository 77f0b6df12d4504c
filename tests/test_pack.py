"""The inspection pack in the core: choosing evidence, a damaged file or a cancel leaving nothing, the
registers' workbook in the pack."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from clinicguard.core.exports import ExportCancelled
from clinicguard.core.reports import EvidenceChoice, choose_evidence, export_pack
from clinicguard.core.vault.errors import EvidenceDamaged


@pytest.fixture
def files(workspace, manager, tmp_path):
    made = []
    for name, item, start, end in (("a.txt", "GOV-ROLES-01", "2026-01-10", None),
                                   ("b.txt", "GOV-ROLES-02", "2024-03-01", "2025-03-01"),
                                   ("c.txt", "SEC-BACKUP-01", "2026-06-01", None)):
        (tmp_path / name).write_text(name * 100, encoding="utf-8")
        made.append(workspace.vault.add(manager, tmp_path / name, items=[item], valid_from=start, expires_on=end))
    return made


def test_choosing_evidence_by_item_current_and_date(files):
    a, b, c = files
    today = date(2026, 12, 1)
    assert choose_evidence(files, EvidenceChoice(), today) == [a, b, c]
    assert choose_evidence(files, EvidenceChoice(items=("GOV-ROLES-02",)), today) == [b]
    assert choose_evidence(files, EvidenceChoice(current_only=True), today) == [a, c]
    assert choose_evidence(files, EvidenceChoice(since="2026-01-01", until="2026-03-31"), today) == [a]


def test_a_damaged_evidence_file_stops_the_pack_and_leaves_nothing(workspace, manager, files, tmp_path):
    blob = workspace.vault.blob_path(files[2].blob)
    data = bytearray(blob.read_bytes())
    data[-20] ^= 1
    blob.write_bytes(bytes(data))
    out = tmp_path / "out"
    out.mkdir()
    entries = len(workspace.audit.entries())
    with pytest.raises(EvidenceDamaged):
        export_pack(workspace, manager, out / "pack.zip")
    assert list(out.iterdir()) == [] and len(workspace.audit.entries()) == entries


def test_a_cancelled_pack_writes_nothing_and_records_nothing(workspace, manager, files, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    entries = len(workspace.audit.entries())
    with pytest.raises(ExportCancelled):
        export_pack(workspace, manager, out / "pack.zip", cancelled=lambda: True)
    assert list(out.iterdir()) == [] and len(workspace.audit.entries()) == entries


def test_the_registers_workbook_is_in_the_pack_and_in_its_index(workspace, manager, files, tmp_path):
    workspace.registers.add_from_template(manager, "patient-records")
    export_pack(workspace, manager, tmp_path / "pack.zip")
    with zipfile.ZipFile(tmp_path / "pack.zip") as z:
        assert "registres.xlsx" in z.namelist()
        index = z.read("index.csv").decode("utf-8-sig")
        book = load_workbook(io.BytesIO(z.read("registres.xlsx")))
    assert "registres.xlsx" in index
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert any("dossier" in c.lower() for c in cells)  # the patient-records activity
