"""The demo's evidence PDFs are real PDFs: a viewer opens them and shows their text."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from clinicguard.core.demo_files import simple_pdf


def test_simple_pdf_is_well_formed():
    data = simple_pdf(["Charte informatique signée", "Signée par les 7 membres (version 2)"], title="Charte")
    assert data.startswith(b"%PDF-1.4") and data.endswith(b"%%EOF")
    # startxref points at the cross-reference table, whose entries point at each object.
    xref = int(re.search(rb"startxref\n(\d+)\n", data).group(1))
    assert data[xref:].startswith(b"xref\n0 7\n")
    entries = data[xref:].split(b"\n")[3:9]
    for number, entry in enumerate(entries, start=1):
        offset = int(entry[:10])
        assert data[offset:].startswith(b"%d 0 obj" % number)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_a_pdf_reader_extracts_the_text(tmp_path):
    path = tmp_path / "attestation.pdf"
    path.write_bytes(simple_pdf("Attestation de formation — Dr Benali\nValidité : un an (à renouveler)"))
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    assert "Attestation de formation — Dr Benali" in result.stdout
    assert "Validité : un an (à renouveler)" in result.stdout
    assert result.stderr == ""  # no "Syntax Error" or xref reconstruction warnings
