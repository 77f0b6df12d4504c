"""Safe, readable Excel writing shared by every export: user text that can never become a formula,
money and dates as real numbers in French formats, tables, frozen headers, print setup, atomic save.

Only formulas the program builds itself (`formula`) are formulas. Anything a person typed goes
through `text`: cleaned of characters Excel refuses, cut at Excel's length limit with a visible
mark, stored as a string cell (never `<f>`) and quote-prefixed when it starts like a formula.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from clinicguard.core.fsutil import atomic_write_with
from clinicguard.i18n import tr

EXCEL_MAX_TEXT = 32_767  # characters (UTF-16 code units) in one cell
EXCEL_MAX_SHEET_TITLE = 31
# Strings starting with these are read as formulas or commands by spreadsheets (OWASP "CSV injection").
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r", "\n")

MONEY_FORMAT = '#,##0.00 [$€-40C]'  # 1 234,56 €; the locale tag (fr-FR) keeps the € sign in any locale's Excel or LibreOffice
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
PERCENT_FORMAT = "0.0 %"
SCORE_FORMAT = '0.0 "%"'  # a score already expressed out of 100
INTEGER_FORMAT = "0"

# XML 1.0 cannot hold these at all; openpyxl's pattern covers the C0 controls except tab/CR/LF.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
# Excel reads _xHHHH_ in a string as an escaped character; a literal one must itself be escaped.
_OOXML_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")

TEXT, WRAP, MONEY, DATE, DATETIME, INTEGER, NUMBER, PERCENT, SCORE = (
    "text", "wrap", "money", "date", "datetime", "integer", "number", "percent", "score")
_FORMATS = {MONEY: MONEY_FORMAT, DATE: DATE_FORMAT, DATETIME: DATETIME_FORMAT, INTEGER: INTEGER_FORMAT,
            PERCENT: PERCENT_FORMAT, SCORE: SCORE_FORMAT}

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
# Height of one line of 11-point text, in points, as Excel and LibreOffice size a row for it.
LINE_HEIGHT = 15
EXCEL_MAX_ROW_HEIGHT = 409
# Room for columns on one landscape A4 page, in column-width units, above which the print would
# shrink below about 65 %: a wider sheet is printed on several pages across instead.
PAGE_WIDTH_UNITS = 230


def truncation_mark() -> str:
    return tr("… [truncated]")


def _cost(ch: str) -> int:
    # Worst case of what one character takes against Excel's limit and openpyxl's own cut of the
    # escaped string: an astral character is two UTF-16 units, CR and '_' may become 7-char escapes.
    if ch in "\r_":
        return 7
    return 2 if ord(ch) > 0xFFFF else 1


def _fits(text: str, limit: int) -> bool:
    if len(text) * 7 <= limit:
        return True
    return sum(map(_cost, text)) <= limit


def safe_text(value: Any) -> str:
    """The text a cell can hold: characters Excel refuses removed, cut with a visible mark if too long."""
    text = "" if value is None else str(value)
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    text = _NOT_XML.sub("", text)
    if _fits(text, EXCEL_MAX_TEXT):
        return text
    mark = truncation_mark()
    budget = EXCEL_MAX_TEXT - sum(map(_cost, mark))
    used = end = 0
    for end, ch in enumerate(text):
        used += _cost(ch)
        if used > budget:
            break
    return text[:end] + mark


def ooxml_escape(text: str) -> str:
    """Escape what XML would otherwise change on reading: CR (normalised to LF) and literal _xHHHH_."""
    if "_" in text:
        text = _OOXML_ESCAPE_LIKE.sub(r"_x005F_\1", text)
    if "\r" in text:
        text = text.replace("\r", "_x000D_")
    return text


_UNESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def ooxml_unescape(text: str) -> str:
    """What Excel or LibreOffice shows for a stored string (the inverse of `ooxml_escape`)."""
    return _UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def euros(cents: int | None) -> Decimal | None:
    """Integer cents as an exact Decimal number of euros (never through a float division)."""
    return None if cents is None else Decimal(int(cents)) / 100


def rate(basis_points: int | None) -> Decimal | None:
    """A VAT rate in basis points (2000) as the fraction a percent-formatted cell holds (0.2)."""
    return None if basis_points is None else Decimal(int(basis_points)) / 10000


def as_date(value: str | date | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def fill(cell: Cell, kind: str, value: Any) -> Cell:
    """Put `value` in `cell` as `kind`. Text is always a string cell; amounts are cents."""
    if value is None or value == "":
        cell.value = None
        return cell
    if kind == TEXT or kind == WRAP:
        text = safe_text(value)
        cell.value = ooxml_escape(text)
        cell.data_type = "s"  # set after the value: openpyxl types a string starting with '=' as a formula
        if text.startswith(DANGEROUS_START):
            cell.quotePrefix = True
        if kind == WRAP:
            cell.alignment = WRAP_TOP
        return cell
    if kind == MONEY:
        cell.value = euros(value)
    elif kind == PERCENT:
        cell.value = rate(value)
    elif kind in (DATE, DATETIME):
        cell.value = value if isinstance(value, datetime) else as_date(value)
    elif kind in (INTEGER, NUMBER, SCORE):
        if isinstance(value, str):
            raise TypeError(f"a {kind} cell needs a number, not {value!r}")
        cell.value = value
    else:
        raise ValueError(f"unknown cell kind {kind!r}")
    number_format = _FORMATS.get(kind)
    if number_format:
        cell.number_format = number_format
    return cell


def new_cell(sheet: Worksheet, kind: str, value: Any) -> Cell:
    """A detached cell for `sheet.append([...])` (faster than addressing cells one by one)."""
    return fill(Cell(sheet), kind, value)


def put(sheet: Worksheet, row: int, column: int, kind: str, value: Any) -> Cell:
    return fill(sheet.cell(row=row, column=column), kind, value)


def formula(sheet: Worksheet, row: int, column: int, expression: str, kind: str = MONEY) -> Cell:
    """A formula the program built (never from user text); `expression` starts with '='."""
    if not expression.startswith("="):
        raise ValueError("a formula starts with '='")
    cell = sheet.cell(row=row, column=column)
    cell.value = expression
    cell.data_type = "f"
    number_format = _FORMATS.get(kind)
    if number_format:
        cell.number_format = number_format
    return cell


def label(sheet: Worksheet, row: int, column: int, text: str, *, bold: bool = True) -> Cell:
    cell = put(sheet, row, column, TEXT, text)
    if bold:
        cell.font = BOLD
    return cell


def title(sheet: Worksheet, row: int, text: str) -> Cell:
    cell = put(sheet, row, 1, TEXT, text)
    cell.font = TITLE_FONT
    return cell


# ---- row heights ------------------------------------------------------------------------------
# Neither Excel nor LibreOffice reliably sizes a row to its wrapped text when opening a file, so
# the workbook says how high each row is, estimated from the text and the column width. A column
# width is a number of digits of the default font; ordinary text runs slightly wider and bold
# headers wider still, so the estimate errs on the side of one line too many.
def wrapped_lines(text: Any, width: float, *, bold: bool = False) -> int:
    """How many lines `text` takes once wrapped in a column `width` wide."""
    if text is None or text == "":
        return 1
    per_line = max(1, int(width * (0.9 if bold else 1.0)) - 1)
    lines = 0
    for paragraph in str(text).split("\n"):
        used, count = 0, 1
        for word in paragraph.split():
            size = len(word)
            if used and used + 1 + size > per_line:
                count += 1
                used = 0
            if used:
                used += 1
            while size > per_line:  # a word longer than the column breaks anywhere
                count += 1
                size -= per_line
            used += size
        lines += count
    return max(lines, 1)


def height_for(lines: int, font_size: float = 11) -> float:
    return min(EXCEL_MAX_ROW_HEIGHT, math.ceil(lines * LINE_HEIGHT * font_size / 11))


def set_row_height(sheet: Worksheet, row: int, lines: int, font_size: float = 11) -> None:
    """Make `row` high enough for `lines` lines (never lower than it already is)."""
    if lines <= 1:  # asking row_dimensions creates a row record: none for the 10,000 one-line rows
        return
    height = height_for(lines, font_size)
    current = sheet.row_dimensions[row].height
    if current is None or current < height:
        sheet.row_dimensions[row].height = height


def fit_rows(sheet: Worksheet, first_row: int = 1, last_row: int | None = None) -> None:
    """Set the height of each row whose wrapped cells need more than one line (small sheets only)."""
    widths = {}
    merged = {}
    for rng in sheet.merged_cells.ranges:
        span = sum(column_width(sheet, c) for c in range(rng.min_col, rng.max_col + 1))
        merged[(rng.min_row, rng.min_col)] = span
    for row in sheet.iter_rows(min_row=first_row, max_row=last_row or sheet.max_row):
        lines = 1
        for cell in row:
            if cell.value is None or not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                continue
            width = merged.get((cell.row, cell.column))
            if width is None:
                width = widths.setdefault(cell.column, column_width(sheet, cell.column))
            lines = max(lines, wrapped_lines(cell.value, width, bold=bool(cell.font and cell.font.b)))
        set_row_height(sheet, row[0].row, lines)


def column_width(sheet: Worksheet, column: int) -> float:
    width = sheet.column_dimensions[get_column_letter(column)].width
    return width if width else 8.43  # Excel's default column width


def header_width(text: str, width: float, max_lines: int = 3) -> float:
    """The width at which a bold header wraps on at most `max_lines` lines, no word cut."""
    longest = max((len(w) for w in text.split()), default=0)
    width = max(width, math.ceil((longest + 2) / 0.9))
    while wrapped_lines(text, width, bold=True) > max_lines:
        width += 1
    return width


# ---- sheets and tables ------------------------------------------------------------------------
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(text: str) -> str:
    """A valid sheet name: no []:*?/\\, at most 31 characters, never empty."""
    name = _SHEET_FORBIDDEN.sub(" ", safe_text(text)).strip().strip("'")
    return (name or "Feuille")[:EXCEL_MAX_SHEET_TITLE]


_TABLE_NAME_BAD = re.compile(r"[^A-Za-z0-9_]")
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc]?[0-9]*)$")


def table_name(book: Workbook, base: str) -> str:
    """A table name Excel accepts (letters, digits, '_', not a cell reference), unique in `book`."""
    name = _TABLE_NAME_BAD.sub("_", base) or "Table"
    if not name[0].isalpha() and name[0] != "_":
        name = "T_" + name
    if _CELL_LIKE.match(name):
        name += "_"
    used = {t.lower() for sheet in book.worksheets for t in sheet.tables.keys()}
    candidate, n = name[:250], 2
    while candidate.lower() in used:
        candidate = f"{name[:245]}_{n}"
        n += 1
    return candidate


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    width: float = 14


def column_range(sheet_name: str, column: int, first_row: int, last_row: int) -> str:
    """An absolute range on another sheet, e.g. 'Détail'!$K$2:$K$120, for the program's formulas."""
    letter = get_column_letter(column)
    quoted = "'" + sheet_name.replace("'", "''") + "'"
    return f"{quoted}!${letter}${first_row}:${letter}${last_row}"


class CellMaker:
    """Makes detached cells like `fill` does, but fast enough for 10,000-row tables.

    Each kind's style is worked out once on a template cell and given to every new cell as its
    style array, instead of going through openpyxl's per-cell style lookups (a 10,000-line budget
    workbook is otherwise markedly slower to build than an unstyled one).
    """

    _SAMPLES = {MONEY: 0, PERCENT: 0, DATE: date(2000, 1, 1), DATETIME: datetime(2000, 1, 1), INTEGER: 0, SCORE: 0}

    def __init__(self, sheet: Worksheet):
        self.sheet = sheet
        self.styles = {kind: self._top(fill(Cell(sheet), kind, sample))._style
                       for kind, sample in self._SAMPLES.items()}
        self.text_styles = {(kind, prefixed): self._top(fill(Cell(sheet), kind, "=" if prefixed else "x"))._style
                            for kind in (TEXT, WRAP) for prefixed in (False, True)}

    @staticmethod
    def _top(cell: Cell) -> Cell:
        # Rows of wrapped text are several lines high: every cell reads from the top of its row.
        if not cell.alignment.wrap_text:
            cell.alignment = TOP
        return cell

    def __call__(self, kind: str, value: Any) -> Cell | None:
        if value is None or value == "":
            return None
        if kind == TEXT or kind == WRAP:
            text = safe_text(value)
            cell = Cell(self.sheet, value=ooxml_escape(text),
                        style_array=self.text_styles[kind, text.startswith(DANGEROUS_START)])
            cell.data_type = "s"  # after the value, as in `fill`
            return cell
        if kind == MONEY:
            return Cell(self.sheet, value=euros(value), style_array=self.styles[MONEY])
        if kind == DATE:
            return Cell(self.sheet, value=as_date(value), style_array=self.styles[DATE])
        if kind == PERCENT:
            return Cell(self.sheet, value=rate(value), style_array=self.styles[PERCENT])
        if kind in (INTEGER, SCORE) and not isinstance(value, str):
            return Cell(self.sheet, value=value, style_array=self.styles[kind])
        return self._top(fill(Cell(self.sheet), kind, value))

    def formula(self, expression: str, kind: str = MONEY) -> Cell:
        """A formula the program built (never from user text), as `formula` makes it."""
        if not expression.startswith("="):
            raise ValueError("a formula starts with '='")
        cell = Cell(self.sheet, value=expression, style_array=self.styles[kind])
        cell.data_type = "f"
        return cell


class TableSheet:
    """A sheet holding one header row and data rows, finished as an Excel table ready to print."""

    def __init__(self, sheet: Worksheet, columns: Sequence[Column]):
        self.sheet = sheet
        # Each header fits on at most two lines of its column, and its row is as high as the
        # tallest: a header cut or spilling white text over the first figures is unreadable.
        self.columns = [Column(c.header, c.kind, header_width(c.header, c.width)) for c in columns]
        self.kinds = [c.kind for c in self.columns]
        self.make = CellMaker(sheet)
        headers = [c.header for c in self.columns]
        if len(set(h.casefold() for h in headers)) != len(headers):
            raise ValueError(f"table headers must be unique: {headers}")
        sheet.append([self._header_cell(h) for h in headers])
        set_row_height(sheet, 1, max(wrapped_lines(c.header, c.width, bold=True) for c in self.columns))
        self.wrapped = [(n, c.width) for n, c in enumerate(self.columns) if c.kind == WRAP]
        self.rows = 0

    def _header_cell(self, text: str) -> Cell:
        cell = new_cell(self.sheet, TEXT, text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = WRAP_TOP
        return cell

    def index(self, header: str) -> int:
        """1-based column number of a header."""
        return [c.header for c in self.columns].index(header) + 1

    def append(self, values: Sequence[Any]) -> None:
        make = self.make
        self.sheet.append([make(kind, value) for kind, value in zip(self.kinds, values)])
        self.rows += 1
        if self.wrapped:
            lines = max(wrapped_lines(values[n], width) for n, width in self.wrapped)
            set_row_height(self.sheet, self.rows + 1, lines)

    @property
    def last_row(self) -> int:
        """Last data row; an empty table keeps one blank row so that its ranges stay valid."""
        return 1 + max(self.rows, 1)

    def range_of(self, header: str) -> str:
        return column_range(self.sheet.title, self.index(header), 2, self.last_row)

    def finish(self, name: str | None = None, repeat_columns: str | None = None) -> None:
        """Make the rows an Excel table (filters included), freeze the header, set widths and printing.

        `repeat_columns` ("A:C") are printed again at the left of each page when the table is too
        wide for one page, so that every printed page says which line its figures belong to.
        """
        sheet = self.sheet
        last_col = get_column_letter(len(self.columns))
        ref = f"A1:{last_col}{self.last_row}"
        if name:
            table = Table(displayName=table_name(sheet.parent, name), ref=ref)
            table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
            sheet.add_table(table)
        else:
            sheet.auto_filter.ref = ref
        set_widths(sheet, [c.width for c in self.columns])
        sheet.freeze_panes = "A2"
        print_setup(sheet, title_rows="1:1", widths=[c.width for c in self.columns], title_columns=repeat_columns)


def set_widths(sheet: Worksheet, widths: Iterable[float]) -> None:
    for n, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(n)].width = width


def pages_across(widths: Iterable[float], repeated: float = 0, page: float = PAGE_WIDTH_UNITS) -> int:
    """How many pages across a sheet of these column widths needs to print at a readable size."""
    total = sum(widths)
    if total <= page:
        return 1
    return max(1, math.ceil((total - repeated) / (page - repeated)))


def print_setup(sheet: Worksheet, *, title_rows: str | None = None, landscape: bool = True,
                widths: Sequence[float] | None = None, title_columns: str | None = None) -> None:
    """A4, header rows repeated on every page, pages numbered; fitted to the page width when the
    columns fit on one page at a readable size, else spread over as few pages across as keep it
    readable, with `title_columns` repeated on each and pages numbered across before down."""
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    across = 1
    if widths is not None:
        repeated = 0.0
        if title_columns:
            first, _, last = title_columns.partition(":")
            start, end = (column_index_from_string(first), column_index_from_string(last or first))
            repeated = sum(widths[start - 1:end])
        across = pages_across(widths, repeated)
        if across > 1 and title_columns:
            sheet.print_title_cols = title_columns
        if across > 1:
            sheet.page_setup.pageOrder = "overThenDown"  # a line's figures on consecutive pages
    sheet.page_setup.fitToWidth = across
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if widths is not None:
        sheet.print_options.gridLines = True  # the lines guide the eye along a printed row
    if title_rows:
        sheet.print_title_rows = title_rows
    sheet.oddFooter.left.text = "&A"
    sheet.oddFooter.right.text = "&P / &N"


def save_atomically(book: Workbook, path: Path) -> Path:
    """Write the workbook to a temporary file beside `path`, then move it into place.

    A crash or a full disk leaves the previous file (if any) untouched and no half workbook.
    """
    path = Path(path)
    atomic_write_with(path, lambda tmp: book.save(tmp))
    return path


# ---- shared pieces of the workbooks -----------------------------------------------------------
def header_row(sheet: Worksheet, row: int, headers: Sequence[str]) -> None:
    """A row of column headers styled as a table's, for the sheets laid out cell by cell."""
    for col, text in enumerate(headers, 1):
        cell = put(sheet, row, col, TEXT, text)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP_TOP


def sumifs(sum_range: str, *criteria: tuple[str, str]) -> str:
    """SUMIFS(sum_range, range1, criterion1, ...) over ranges the program built (no leading '=')."""
    parts = [sum_range] + [f"{rng},{crit}" for rng, crit in criteria]
    return f"SUMIFS({','.join(parts)})"


def yes_no(value: bool) -> str:
    return tr("Yes") if value else tr("No")


def enum_label(enum: Any, value: str) -> str:
    """The translated label of a stored enum value; an unknown value is shown as stored."""
    try:
        return enum(value).label
    except ValueError:
        return value
