"""Safe, readable Excel writing shared by every export: user text that can never become a formula,
money and dates as real numbers in French formats, tables, frozen headers, print setup, atomic save.

Only formulas the program builds itself (`formula`) are formulas. Anything a person typed goes
through `text`: cleaned of characters Excel refuses, cut at Excel's length limit with a visible
mark, stored as a string cell (never `<f>`) and quote-prefixed when it starts like a formula.
"""

from __future__ import annotations

import math
import re
import warnings
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
    """Set the height of each row whose wrapped cells need more than one line (small sheets only;
    on a write-only sheet, as each of those rows is written)."""
    if isinstance(sheet, StreamSheet):
        sheet.fit_rows(first_row, last_row)
        return
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
    """A sheet holding one header row and data rows, finished as an Excel table ready to print.

    On a write-only sheet (StreamSheet) the widths, frozen header and print setup are set before
    the header row, so `repeat_columns` is given here, and each row is written as it is appended."""

    def __init__(self, sheet: Worksheet, columns: Sequence[Column], repeat_columns: str | None = None):
        self.sheet = sheet
        # Each header fits on at most two lines of its column, and its row is as high as the
        # tallest: a header cut or spilling white text over the first figures is unreadable.
        self.columns = [Column(c.header, c.kind, header_width(c.header, c.width)) for c in columns]
        self.kinds = [c.kind for c in self.columns]
        self.repeat_columns = repeat_columns
        headers = [c.header for c in self.columns]
        if len(set(h.casefold() for h in headers)) != len(headers):
            raise ValueError(f"table headers must be unique: {headers}")
        self.wrapped = [(n, c.width) for n, c in enumerate(self.columns) if c.kind == WRAP]
        self.rows = 0
        self.streamed = isinstance(sheet, StreamSheet)
        if self.streamed:
            self._layout()
            for col, text in enumerate(headers, 1):
                cell = put(sheet, 1, col, TEXT, text)
                cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP_TOP
            self.slots = sheet.slots(self.kinds)
        else:
            self.make = CellMaker(sheet)
            sheet.append([self._header_cell(h) for h in headers])
        set_row_height(sheet, 1, max(wrapped_lines(c.header, c.width, bold=True) for c in self.columns))

    def _layout(self) -> None:
        widths = [c.width for c in self.columns]
        set_widths(self.sheet, widths)
        self.sheet.freeze_panes = "A2"
        print_setup(self.sheet, title_rows="1:1", widths=widths, title_columns=self.repeat_columns)

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
        self.rows += 1
        lines = max(wrapped_lines(values[n], width) for n, width in self.wrapped) if self.wrapped else 1
        if self.streamed:
            self.sheet.write(self.slots, values, height_for(lines) if lines > 1 else None)
            return
        make = self.make
        self.sheet.append([make(kind, value) for kind, value in zip(self.kinds, values)])
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
        if self.streamed:
            if repeat_columns not in (None, self.repeat_columns):
                raise ValueError("a write-only table's repeated columns are given when it is made")
            sheet.close_rows()  # the header row of a table without rows
            if name:
                add_stream_table(sheet, name, ref, [c.header for c in self.columns])
            else:
                sheet.auto_filter.ref = ref
            return
        if name:
            table = Table(displayName=table_name(sheet.parent, name), ref=ref)
            table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
            sheet.add_table(table)
        else:
            sheet.auto_filter.ref = ref
        self.repeat_columns = repeat_columns
        self._layout()


# ---- write-only sheets ------------------------------------------------------------------------
# A long workbook (the budget of 10,000 lines) is written with openpyxl's write-only mode: each row
# goes to disk as soon as it is appended, so the workbook is never held in memory. What such a
# sheet allows, and when:
# - column widths, frozen panes and the fit-to-page flag are written before the first row: set them
#   first (StreamSheet refuses a change after its first row);
# - a row's height is written with the row: worked out from its values before it is appended;
# - merged cells, auto-filter, tables (their columns named by the program), conditional formatting,
#   data validation and the page setup are written when the workbook is saved: set them any time.
# The workbook writer is openpyxl's own; `_StreamCell` only remembers its style's index instead of
# looking it up cell by cell, and a sheet's rows are handed to the writer as ready cells (through
# WriteOnlyWorksheet._values_to_row, which would otherwise try each cell as a value first and
# make a new cell for each styled one: openpyxl is pinned, pyproject.toml).
class _StreamCell(Cell):
    """A cell whose style index is worked out once for every cell of its kind (openpyxl looks it up
    in the workbook's style list for each cell it writes)."""

    __slots__ = ("style_id",)


class Slot:
    """One column of a row layout written again and again: its cells are made once, styled once,
    and refilled for every row (a write-only row is written as soon as it is appended, so its cells
    are free again for the next one)."""

    __slots__ = ("cell", "keep", "kind", "prefixed")

    def __init__(self, kind: str, cell: _StreamCell, prefixed: _StreamCell | None, keep: bool = False):
        self.kind, self.cell, self.prefixed = kind, cell, prefixed
        self.keep = keep  # an empty value still writes the (styled) cell, as a highlighted column's


_DATA_TYPES = {TEXT: "s", WRAP: "s", MONEY: "n", PERCENT: "n", INTEGER: "n", NUMBER: "n", SCORE: "n",
               DATE: "d", DATETIME: "d"}
FORMULA = "formula"  # a slot holding a formula the program built: (FORMULA, kind of its format)
_KINDS = {k: k for k in (TEXT, WRAP, MONEY, DATE, DATETIME, INTEGER, NUMBER, PERCENT, SCORE)}
_ROW_LIMIT = 4_681  # characters below which text can never reach Excel's limit (see _fits)


class StreamSheet:
    """A write-only worksheet written from top to bottom, for the workbooks too long to hold.

    Cells can still be put anywhere in the rows not written yet (`cell`, hence `put`, `formula`,
    `label`, `header_row` work as on an ordinary sheet): those rows wait in a small buffer until
    `flush` writes them, each with its height fitted (`fit_rows`) from its own values. Long tables
    go through `slots` and `write`, one row of refilled cells at a time. Everything else (widths,
    frozen panes, page setup, filters, tables...) is the write-only worksheet's own attribute.
    """

    PAPERSIZE_A4 = Worksheet.PAPERSIZE_A4
    _OWN = frozenset({"ws", "_buffer", "_written", "_fit", "_layouts"})

    def __init__(self, ws):
        object.__setattr__(self, "ws", ws)
        object.__setattr__(self, "_buffer", {})  # row -> {column: cell}, rows not written yet
        object.__setattr__(self, "_written", 0)  # last row written
        object.__setattr__(self, "_fit", [])  # (first, last) row ranges whose height is fitted
        object.__setattr__(self, "_layouts", {})
        ws._values_to_row = self._cells_to_row  # the rows appended are ready cells (see write)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ws, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._OWN:
            object.__setattr__(self, name, value)
        elif name == "freeze_panes" and self._written:
            raise ValueError("the frozen panes of a write-only sheet are set before its first row")
        else:
            setattr(self.ws, name, value)

    @staticmethod
    def _cells_to_row(cells, row: int):
        for cell in cells:
            if cell is not None:
                cell.row = row
                yield cell

    @property
    def rows_written(self) -> int:
        return self._written

    # ---- cell by cell, buffered ----
    def cell(self, row: int, column: int) -> Cell:
        if row <= self._written:
            raise ValueError(f"row {row} of a write-only sheet is already written")
        cells = self._buffer.setdefault(row, {})
        cell = cells.get(column)
        if cell is None:
            cell = cells[column] = Cell(self.ws, row=row, column=column)
        return cell

    def merge_cells(self, *, start_row: int, start_column: int, end_row: int, end_column: int) -> None:
        self.ws.merged_cells.add(f"{get_column_letter(start_column)}{start_row}:"
                                 f"{get_column_letter(end_column)}{end_row}")

    def fit_rows(self, first_row: int = 1, last_row: int | None = None) -> None:
        """Fit the height of the rows from `first_row` to `last_row` to their wrapped text, as they
        are written (the column widths must be set by then)."""
        self._fit.append((first_row, last_row if last_row is not None else math.inf))

    def flush(self, before: int | None = None) -> None:
        """Write the buffered rows before row `before` (all of them when None), in order."""
        buffer = self._buffer
        rows = sorted(r for r in buffer if before is None or r < before)
        if not rows:
            return
        if self._fit:
            spans = {(rng.min_row, rng.min_col): sum(column_width(self.ws, c)
                                                     for c in range(rng.min_col, rng.max_col + 1))
                     for rng in self.ws.merged_cells.ranges}
            widths: dict[int, float] = {}
        ws = self.ws
        for row in rows:
            cells = buffer.pop(row)
            if self._fit and any(a <= row <= b for a, b in self._fit):
                lines = 1
                for column, cell in cells.items():
                    value = cell._value
                    if not isinstance(value, str) or not cell.alignment.wrap_text:
                        continue
                    width = spans.get((row, column))
                    if width is None:
                        width = widths.setdefault(column, column_width(ws, column))
                    lines = max(lines, wrapped_lines(value, width, bold=bool(cell.font and cell.font.b)))
                set_row_height(ws, row, lines)
            self._skip_to(row)
            ws.append([cells[c] for c in sorted(cells)])
            self._written = row

    def _skip_to(self, row: int) -> None:
        while self._written < row - 1:  # rows left empty
            self.ws.append(())
            self._written += 1

    # ---- row by row, refilled ----
    def layout(self, *kinds: Any, top: bool = True, font: Font | None = None, fill: PatternFill | None = None,
               keep_empty: bool = False) -> list[Slot | None]:
        """`slots` of these kinds and style, made once per sheet (the cells are shared: one row at a time)."""
        key = (kinds, top, font, fill, keep_empty)
        made = self._layouts.get(key)
        if made is None:
            made = self._layouts[key] = self.slots(kinds, top=top, font=font, fill=fill, keep_empty=keep_empty)
        return made

    def slots(self, kinds: Sequence[Any], *, top: bool = True, font: Font | None = None,
              fill: PatternFill | None = None, keep_empty: bool = False) -> list[Slot | None]:
        """The refillable cells of a row layout, one per column from A: each a cell kind, or
        (FORMULA, kind) for a formula shown in that kind's format, or None for a column left empty.
        Styled as `fill` styles that kind (`formula` for a formula) and, with `top`, read from the
        top of the row as CellMaker's cells are; `font` and `fill` added when given."""
        slots: list[Slot | None] = []
        for column, kind in enumerate(kinds, 1):
            if kind is None:
                slots.append(None)
                continue
            shown = kind[1] if isinstance(kind, tuple) else kind
            kind = FORMULA if isinstance(kind, tuple) else _KINDS[kind]
            sample = {DATE: date(2000, 1, 1), DATETIME: datetime(2000, 1, 1)}.get(shown, 0)
            if kind in (TEXT, WRAP):
                cell = self._slot_cell(kind, shown, "x", column, top, font, fill)
                prefixed = self._slot_cell(kind, shown, "=", column, top, font, fill)
                slots.append(Slot(kind, cell, prefixed, keep_empty))
            else:
                slots.append(Slot(kind, self._slot_cell(kind, shown, sample, column, top, font, fill), None,
                                  keep_empty))
        return slots

    def _slot_cell(self, kind: str, shown: str, sample: Any, column: int, top: bool, font, fill_) -> _StreamCell:
        template = fill(Cell(self.ws), shown, sample)
        if top and not template.alignment.wrap_text:
            template.alignment = TOP
        if font is not None:
            template.font = font
        if fill_ is not None:
            template.fill = fill_
        cell = _StreamCell(self.ws, column=column, style_array=template._style)
        cell.style_id = template.style_id
        cell.data_type = "f" if kind == FORMULA else _DATA_TYPES[kind]
        return cell

    def write(self, slots: Sequence[Slot | None], values: Sequence[Any], height: float | None = None,
              row: int | None = None) -> None:
        """Append one row (as row `row`, the rows between left empty): each value into its slot's
        cell, as `fill` would put it (amounts in cents, rates in basis points, dates as ISO text or
        dates, text made safe), None or "" for an empty cell. The buffer is written first."""
        if self._buffer:
            self.flush()
        if row is not None:
            if row <= self._written:
                raise ValueError(f"row {row} of a write-only sheet is already written")
            self._skip_to(row)
        cells = []
        append = cells.append
        for slot, value in zip(slots, values):
            if value is None or value == "" or slot is None:
                if slot is not None and slot.keep:
                    slot.cell._value = None
                    append(slot.cell)
                else:
                    append(None)
                continue
            kind = slot.kind
            if kind is TEXT or kind is WRAP:
                if type(value) is not str or len(value) > _ROW_LIMIT or not value.isprintable():
                    value = safe_text(value)
                if "_" in value or "\r" in value:
                    value = ooxml_escape(value)
                cell = slot.prefixed if value.startswith(DANGEROUS_START) else slot.cell
                cell._value = value
            elif kind is MONEY:
                cell = slot.cell
                cell._value = int(value) / 100  # the same number as euros(): both round once, exactly
            elif kind is DATE:
                cell = slot.cell
                cell._value = value if type(value) is date else as_date(value)
            elif kind is FORMULA:
                cell = slot.cell
                cell._value = value
            elif kind is PERCENT:
                cell = slot.cell
                cell._value = int(value) / 10000
            elif kind is DATETIME:
                cell = slot.cell
                cell._value = value if isinstance(value, datetime) else as_date(value)
            else:
                if isinstance(value, str):
                    raise TypeError(f"a {kind} cell needs a number, not {value!r}")
                cell = slot.cell
                cell._value = value
            append(cell)
        row = self._written + 1
        if height is not None:
            self.ws.row_dimensions[row].height = height
        self.ws.append(cells)
        if height is not None:
            del self.ws.row_dimensions[row]  # written: no need to keep it
        self._written = row

    def close_rows(self) -> None:
        """Write what is left in the buffer."""
        self.flush()


def stream_sheet(book: Workbook, title: str) -> StreamSheet:
    """A new write-only sheet of a write-only `book`."""
    return StreamSheet(book.create_sheet(title))


def add_stream_table(sheet: StreamSheet, name: str, ref: str, headers: Sequence[str]) -> None:
    """An Excel table over `ref` of a write-only sheet: its columns named as its header cells
    hold them (a write-only sheet cannot be read back for them)."""
    table = Table(displayName=table_name(sheet.parent, name), ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    table._initialise_columns()
    for column, header in zip(table.tableColumns, headers):
        column.name = ooxml_escape(safe_text(header))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "In write-only mode you must add table columns manually")
        sheet.ws.add_table(table)


def _before_rows(sheet: Worksheet, what: str) -> None:
    if isinstance(sheet, StreamSheet) and sheet.rows_written:
        raise ValueError(f"the {what} of a write-only sheet is set before its first row")


def set_widths(sheet: Worksheet, widths: Iterable[float]) -> None:
    _before_rows(sheet, "column widths")
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
    _before_rows(sheet, "page setup")  # fit-to-page is written with the sheet's properties, first
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
