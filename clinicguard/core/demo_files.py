"""Small real files for the demo clinic: a one-page PDF that any viewer opens, built by hand.

No PDF library is needed for a page of plain text, and a hand-built file keeps the demo's bytes stable.
"""

from __future__ import annotations

from collections.abc import Sequence

_PAGE_WIDTH, _PAGE_HEIGHT = 595, 842  # A4 in points
_MARGIN, _FONT_SIZE, _LEADING = 56, 12, 16


def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding: French accents, œ and ’ survive; anything else becomes '?'."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") \
        .replace(b"\r", b" ").replace(b"\n", b" ") + b")"


def simple_pdf(lines: str | Sequence[str], *, title: str = "") -> bytes:
    """A valid one-page A4 PDF showing `lines` (a string is split at its line breaks) in Helvetica.

    `title` goes into the document information, which viewers show as the window title.
    """
    if isinstance(lines, str):
        lines = lines.splitlines()
    text = [b"BT", b"/F1 %d Tf" % _FONT_SIZE, b"%d TL" % _LEADING,
            b"%d %d Td" % (_MARGIN, _PAGE_HEIGHT - _MARGIN - _FONT_SIZE)]
    for n, line in enumerate(lines):
        text.append(_pdf_string(line) + (b" Tj" if n == 0 else b" '"))
    text.append(b"ET")
    content = b"\n".join(text) + b"\n"

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>" % (_PAGE_WIDTH, _PAGE_HEIGHT),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Title " + _pdf_string(title) + b" /Producer (ClinicGuard) >>",
    ]
    # The binary comment on line 2 tells transfer tools the file is binary, as the PDF spec advises.
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    # Each cross-reference entry is exactly 20 bytes, end of line included.
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF" % (len(objects) + 1, xref)
    return bytes(out)
