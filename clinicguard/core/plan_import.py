"""Import an action plan kept in Excel or CSV, and write the template to start one.

One row per budget line; rows with the same title form one action. The file is read and
checked in full first (`PlanImport.preview`, no write); only a file with no bad row is written,
all in one transaction (`PlanImport.apply`). Row numbers are those the user sees in Excel: the
header is row 1.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from clinicguard.core.formatting import parse_date, text_problem
from clinicguard.model.plan import Action, ActionStatus
from clinicguard.core.formatting import fold
from clinicguard.core.plan_vocabulary import priority_value, status_value
from clinicguard.core.plan import ActionPlan, validate_action
from clinicguard.core.uow import UnitOfWork
from clinicguard.model.catalogue import Catalogue
from clinicguard.model.clinic import Clinic
from clinicguard.store.clinic_store import ClinicStore
from clinicguard.model.budget import BudgetLine, Category, Nature, fiscal_year_of
from clinicguard.core.budget import (
    DurationNeedsConfirmation, InvalidValue, check_depreciation_duration, parse_amount, parse_fiscal_year,
    parse_vat_rate, validate_line,
)
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.people import Actor, Permission
from clinicguard.core.permissions import require
from clinicguard.core import exports
from clinicguard.i18n import tr, trn



class ImportRefused(ClinicGuardError):
    """The file was not imported; the message lists every bad row."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as written in the template (French, as the clinics' files are)
    aliases: tuple[str, ...] = ()
    width: int = 16


COLUMNS: tuple[Column, ...] = (
    Column("title", "Titre", ("title", "action", "intitule"), 40),
    Column("description", "Description", ("description",), 40),
    Column("items", "Recommandations", ("recommendations", "recommandation", "items"), 24),
    Column("owner", "Responsable", ("owner", "responsible"), 20),
    Column("priority", "Priorité", ("priority",), 10),
    Column("status", "Statut", ("status",), 14),
    Column("start", "Début", ("start", "date de debut", "start date"), 12),
    Column("due", "Échéance", ("due", "due date", "date d echeance"), 12),
    Column("label", "Libellé dépense", ("libelle", "budget line", "expense", "ligne de depense"), 36),
    Column("supplier", "Fournisseur", ("supplier",), 20),
    Column("nature", "Nature", ("nature",), 16),
    Column("category", "Catégorie", ("category",), 24),
    Column("planned_ht", "Montant HT", ("montant prevu ht", "amount excl vat", "planned excl vat"), 14),
    Column("vat_rate", "Taux TVA", ("tva", "vat rate", "vat"), 10),
    Column("actual_ht", "Montant réel HT", ("actual excl vat", "montant realise ht"), 14),
    Column("fiscal_year", "Exercice", ("fiscal year",), 10),
    # Beyond the columns every clinic's file has, the optional ones.
    Column("progress", "Avancement", ("progress", "avancement %"), 12),
    Column("committed_ht", "Montant engagé HT", ("committed excl vat",), 14),
    Column("invoice_ref", "Référence facture", ("ref facture", "n facture", "invoice", "invoice reference"), 18),
    Column("invoice_date", "Date facture", ("invoice date",), 12),
    Column("vat_recoverable", "TVA récupérable", ("vat recoverable",), 12),
    Column("depreciation_years", "Amortissement (années)", ("amortissement", "depreciation years", "depreciation"), 14),
    Column("recurring", "Récurrent", ("recurring", "abonnement annuel"), 10),
    # The invoice as printed, the supplier's identity, the asset's dates, a running cost's period.
    Column("actual_vat", "TVA facture", ("invoice vat", "tva facturee"), 12),
    Column("actual_ttc", "TTC facture", ("invoice incl vat", "montant ttc facture"), 12),
    Column("vat_deduction_pct", "TVA déductible %", ("vat deductible %", "deductible vat %"), 12),
    Column("supplier_siret", "SIRET fournisseur", ("supplier siret", "siret"), 18),
    Column("supplier_vat", "N° TVA fournisseur", ("supplier vat number", "tva intracommunautaire"), 18),
    Column("payment_date", "Date de paiement", ("payment date", "date de reglement"), 12),
    Column("in_service_date", "Mise en service", ("in service", "date de mise en service"), 12),
    Column("disposal_date", "Date de cession", ("disposal date", "date de sortie"), 12),
    Column("service_from", "Service du", ("service from", "periode du"), 12),
    Column("service_to", "Service au", ("service to", "periode au"), 12),
)
ACTION_KEYS = ("description", "items", "owner", "priority", "status", "start", "due", "progress")
LINE_KEYS = ("label", "supplier", "nature", "category", "planned_ht", "vat_rate", "committed_ht", "actual_ht",
             "invoice_ref", "invoice_date", "fiscal_year", "vat_recoverable", "depreciation_years", "recurring",
             "actual_vat", "actual_ttc", "vat_deduction_pct", "supplier_siret", "supplier_vat", "payment_date",
             "in_service_date", "disposal_date", "service_from", "service_to")

_NATURE_WORDS = {Nature.INVESTMENT: ("investissement", "investment", "immobilisation"),
                 Nature.RUNNING: ("fonctionnement", "running", "running cost", "charge")}
_CATEGORY_WORDS = {
    Category.HARDWARE: ("materiel", "hardware"),
    Category.SOFTWARE: ("logiciel", "logiciels", "software"),
    Category.SERVICES: ("prestations et conseil", "prestations", "prestation", "conseil", "services",
                        "services and advice"),
    Category.TRAINING: ("formation", "formations", "training"),
    Category.SUBSCRIPTIONS: ("abonnements et hebergement", "abonnements", "abonnement", "hebergement",
                             "subscriptions", "subscriptions and hosting"),
    Category.INSURANCE: ("assurance", "assurances", "insurance"),
    Category.OTHER: ("autre", "autres", "other"),
}
_YES = {"oui", "o", "yes", "y", "x", "1", "vrai", "true"}
_NO = {"non", "n", "no", "0", "faux", "false"}


def _header_key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9%]+", " ", fold(text)).split())


_HEADER_INDEX = {_header_key(name): c.key for c in COLUMNS for name in (c.header, *c.aliases)}


def _word_map(words: dict) -> dict[str, str]:
    return {_header_key(w): key.value for key, ws in words.items() for w in ws}


_NATURES, _CATEGORIES = _word_map(_NATURE_WORDS), _word_map(_CATEGORY_WORDS)


# ---- reading the file ------------------------------------------------------------------------
# What a file may hold before anything is read in full: far above any clinic's action plan (a few
# hundred rows), far below what would exhaust the PC's memory. An .xlsx is a zip archive whose
# content can expand a thousandfold, so its uncompressed size is read from the archive's directory
# and capped BEFORE openpyxl opens it.
MAX_ROWS = 10_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767  # what one Excel cell holds
MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 64 * 1024 * 1024
MAX_XLSX_MEMBERS = 2_000
_CSV_FIELD_LIMIT = 131_072  # the csv module's own default, not changed process-wide

# An unknown column whose title says it holds money: refused rather than dropped, so an amount is
# never lost without a word.
_AMOUNT_WORDS = ("montant", "amount", "prix", "price", "cout", "cost", "ttc", "tva", "vat", "total", "eur",
                 "euro", "euros")


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]  # the file's own header texts
    keys: tuple[str | None, ...]  # the column each header was recognised as
    rows: tuple[tuple[int, tuple[Any, ...]], ...]  # (row number as in Excel, cells)

    @property
    def ignored(self) -> tuple[str, ...]:
        """The titles of the columns the importer does not know (their cells are not imported)."""
        return tuple(h for h, k in zip(self.headers, self.keys) if h and k is None)


def read_table(path: Path) -> Table:
    """Read the first sheet of an .xlsx, or a .csv (UTF-8, UTF-16 with its mark, or Windows-1252)
    with ';' or ',', into a Table; a file too large, too long or unreadable is refused in one line."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            raw_rows = _xlsx_rows(path)
        elif suffix in (".csv", ".txt"):
            raw_rows = _csv_rows(path)
        else:
            raise ImportRefused(tr("{file} is neither an Excel workbook (.xlsx) nor a CSV file.", file=path.name))
    except FileNotFoundError:
        raise ImportRefused(tr("The file {file} was not found.", file=path)) from None
    except ImportRefused:
        raise
    except MemoryError:
        raise ImportRefused(tr("The file {file} is too large to be imported.", file=path.name)) from None
    except Exception as exc:  # a damaged or mislabelled file: openpyxl and csv raise many kinds
        raise ImportRefused(tr("The file {file} cannot be read: {error}", file=path.name, error=exc)) from None
    if not raw_rows or not any(_text(c) for c in raw_rows[0]):
        raise ImportRefused(tr("The file {file} is empty: its first row must hold the column titles.", file=path.name))
    headers = tuple(_text(c) for c in raw_rows[0])
    for header in headers:
        problem = text_problem(header)
        if problem:
            raise ImportRefused(tr("Row 1 of {file}: the column title {column!r}: {problem}.", file=path.name,
                                   column=header, problem=problem))
    keys = tuple(_HEADER_INDEX.get(_header_key(h)) if h else None for h in headers)
    if "title" not in keys:
        raise ImportRefused(tr("The first row of {file} has no 'Titre' column: start from the template "
                               "(clinicguard import actions --template FILE.xlsx).", file=path.name))
    seen: set[str] = set()
    for header, key in zip(headers, keys):
        if key is not None and key in seen:
            raise ImportRefused(tr("The column {column!r} appears twice in {file}.", column=header, file=path.name))
        if key is not None:
            seen.add(key)
    rows = tuple((n, tuple(cells)) for n, cells in enumerate(raw_rows[1:], start=2) if any(_text(c) for c in cells))
    table = Table(headers, keys, rows)
    for header in table.ignored:
        if set(_header_key(header).replace("%", " ").split()) & set(_AMOUNT_WORDS) or "€" in header:
            raise ImportRefused(tr(
                "The column {column!r} of {file} looks like an amount, but it is not a column the importer knows: "
                "put the amount in Montant HT, Montant engagé HT or Montant réel HT, or remove the column; "
                "nothing was imported.", column=header, file=path.name))
    return table


def _xlsx_rows(path: Path) -> list[tuple]:
    import zipfile

    import openpyxl

    # The archive's directory says how large each part is once expanded: refuse a file that would
    # expand beyond the cap before any part is decompressed (zipfile also stops a part that lies).
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        expanded = sum(m.file_size for m in members)
    if len(members) > MAX_XLSX_MEMBERS or expanded > MAX_XLSX_UNCOMPRESSED:
        raise ImportRefused(tr(
            "{file} would expand to {size} MiB once opened, more than the {limit} MiB an action plan may take: "
            "it was not opened. Save the plan alone in a new workbook, or as CSV.", file=path.name,
            size=expanded // (1024 * 1024), limit=MAX_XLSX_UNCOMPRESSED // (1024 * 1024)))
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook["Plan"] if "Plan" in workbook.sheetnames else workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            rows.append(tuple(row))
            if len(rows) > MAX_ROWS + 1:
                raise _too_many_rows(path)
        return rows
    finally:
        workbook.close()


def _too_many_rows(path: Path) -> ImportRefused:
    return ImportRefused(tr("{file} has more than {n} rows: an action plan is imported in files of at most {n} rows; "
                            "nothing was imported.", file=path.name, n=MAX_ROWS))


def _csv_rows(path: Path) -> list[tuple]:
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise ImportRefused(tr("{file} is {size} MiB, more than the {limit} MiB an action plan may take; "
                               "nothing was imported.", file=path.name, size=size // (1024 * 1024),
                               limit=MAX_CSV_BYTES // (1024 * 1024)))
    text = _decoded(path, path.read_bytes())
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    rows: list[tuple] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return rows
        except csv.Error as exc:
            # The reader stops at the row it could not read: name that row, as Excel numbers it.
            if "field larger than field limit" in str(exc):
                raise ImportRefused(tr(
                    "Row {row} of {file}: a cell is longer than {limit} characters, or a quote (\") opened in it is "
                    "never closed; nothing was imported.", row=len(rows) + 1, file=path.name,
                    limit=_CSV_FIELD_LIMIT)) from None
            raise ImportRefused(tr("Row {row} of {file} cannot be read: {error}; nothing was imported.",
                                   row=len(rows) + 1, file=path.name, error=exc)) from None
        rows.append(tuple(row[:MAX_COLUMNS]))
        if len(rows) > MAX_ROWS + 1:
            raise _too_many_rows(path)


_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"),
         (b"\xfe\xff", "utf-16-be"), (b"\xef\xbb\xbf", "utf-8"))


def _decoded(path: Path, data: bytes) -> str:
    """The text of a CSV file: UTF-8, or the UTF-16/32 Excel writes as "Unicode text" (found by its
    byte-order mark, or by the zero bytes of ASCII letters when the mark is missing), or the
    Windows-1252 Excel's "CSV (point-virgule)" writes on a French Windows."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode(path, data[len(bom):], encoding)
    if b"\x00" in data[:4096]:
        head = data[:4096]
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) // 4 and even == 0:
            return _decode(path, data, "utf-16-le")
        if even > len(head) // 4 and odd == 0:
            return _decode(path, data, "utf-16-be")
        # A stray NUL in UTF-8 text: decoded, then refused with its row and column by the row check.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode(path, data, "cp1252")


def _decode(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ImportRefused(tr("{file} is not valid {encoding} text (byte {position}): save it from Excel as "
                               "CSV UTF-8.", file=path.name, encoding=encoding.upper(),
                               position=exc.start + 1)) from None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# ---- checking the rows -------------------------------------------------------------------------
@dataclass
class PreviewRow:
    """One row of the file as the preview shows it, with its problems (empty when fine)."""

    row: int
    values: dict[str, str]
    problems: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        return tr("Row {row}: {problems}", row=self.row, problems="; ".join(self.problems))


@dataclass
class PlannedAction:
    """An action the import will create, with its budget lines (fields ready for ActionPlan)."""

    title: str
    first_row: int
    fields: dict[str, Any]
    item_ids: tuple[str, ...]
    lines: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


@dataclass
class ImportPreview:
    source: Path
    sha256: str
    rows: list[PreviewRow]
    actions: list[PlannedAction]
    confirm_durations: bool = False  # depreciation periods outside 1-10 years confirmed (--confirm-durations)
    ignored: tuple[str, ...] = ()  # the titles of the columns not imported

    def ignored_note(self) -> str:
        """One line naming the columns the import leaves out, or "" when it reads them all."""
        if not self.ignored:
            return ""
        return trn("Column not imported (unknown to ClinicGuard): {columns}.",
                   "Columns not imported (unknown to ClinicGuard): {columns}.", len(self.ignored),
                   columns=", ".join(repr(h) for h in self.ignored))

    @property
    def bad_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.problems]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.bad_rows

    @property
    def line_count(self) -> int:
        return sum(len(a.lines) for a in self.actions)

    def refusal(self) -> ImportRefused:
        if not self.rows:
            return ImportRefused(tr("{file} holds no row to import.", file=self.source.name))
        bad = self.bad_rows
        header = trn("{file} was not imported: {n} row to correct; nothing was changed.",
                     "{file} was not imported: {n} rows to correct; nothing was changed.", len(bad), file=self.source.name)
        return ImportRefused("\n".join([header, *(r.message for r in bad)]))


def _preview(plan: ActionPlan, catalogue: Catalogue, clinic: Clinic, path: Path | str,
             today: date | None = None, confirm_durations: bool = False) -> ImportPreview:
    """Read and check the whole file without writing anything; every bad row gets its problems."""
    path = Path(path)
    table = read_table(path)
    today = today or date.today()
    existing = {fold(t.strip()) for t in plan.titles()}
    rows: list[PreviewRow] = []
    actions: dict[str, PlannedAction] = {}
    for number, cells in table.rows:
        values = {key: cells[i] for i, key in enumerate(table.keys) if key and i < len(cells)}
        preview = PreviewRow(number, {k: _text(v) for k, v in values.items()})
        rows.append(preview)
        _check_row(preview, values, actions, existing, catalogue, clinic.fiscal_year_start_month,
                   clinic.vat_recoverable, today, confirm_durations)
    return ImportPreview(path, hashlib.sha256(path.read_bytes()).hexdigest(), rows, list(actions.values()),
                         confirm_durations, table.ignored)


def _header(key: str) -> str:
    return next(c.header for c in COLUMNS if c.key == key)


def _check_row(preview: PreviewRow, values: dict[str, Any], actions: dict[str, PlannedAction], existing: set[str],
               catalogue: Catalogue, start_month: int, vat_default: bool, today: date,
               confirm_durations: bool = False) -> None:
    problems = preview.problems
    # Every cell first: a control character or an over-long text makes the row bad whatever it is.
    for key, raw in values.items():
        if not isinstance(raw, str):
            continue
        problem = text_problem(raw)
        if problem is None and len(raw) > MAX_CELL_CHARS:
            problem = tr("{n} characters, more than the {max} a cell may hold", n=len(raw), max=MAX_CELL_CHARS)
        if problem:
            problems.append(tr("{column}: {problem}", column=_header(key), problem=problem))
    if problems:
        return

    def read(key: str, parse):
        raw = values.get(key)
        if _text(raw) == "":
            return None
        try:
            return parse(raw)
        except InvalidValue as exc:
            problems.append(tr("{column}: {problem}", column=_header(key), problem=str(exc).rstrip(".")))
        except (ValueError, TypeError):
            problems.append(tr("{column}: {problem}", column=_header(key),
                               problem=tr("unreadable value {value!r}", value=_text(raw))))
        return None

    title = _text(values.get("title"))
    if not title:
        problems.append(tr("the title (column Titre) is missing"))
    # Action fields.
    fields: dict[str, Any] = {}
    fields["description"] = _text(values.get("description")) or None
    fields["owner"] = _text(values.get("owner")) or None
    fields["priority"] = read("priority", priority_value)
    fields["status"] = read("status", status_value)
    fields["start_date"] = read("start", parse_date)
    fields["due_date"] = read("due", parse_date)
    fields["progress"] = read("progress", _progress)
    item_ids = read("items", lambda v: _items(v, catalogue)) or ()
    for item_id in item_ids:
        if item_id not in catalogue:
            problems.append(tr("{column}: {problem}", column=_header("items"),
                               problem=tr("unknown recommendation {id!r}", id=item_id)))
    # Budget line fields.
    has_line = any(_text(values.get(k)) for k in LINE_KEYS)
    line: dict[str, Any] = {}
    problems_before_line = len(problems)
    if has_line:
        line["label"] = _text(values.get("label")) or title
        line["supplier"] = _text(values.get("supplier"))
        line["nature"] = read("nature", lambda v: _lookup(v, _NATURES, "nature")) or Nature.RUNNING.value
        line["category"] = read("category", lambda v: _lookup(v, _CATEGORIES, "category")) or Category.OTHER.value
        line["planned_ht"] = read("planned_ht", _amount)
        if line["planned_ht"] is None and not _text(values.get("planned_ht")):
            problems.append(tr("the amount excl. VAT (column Montant HT) is missing"))
        vat = read("vat_rate", parse_vat_rate)
        line["vat_rate_bp"] = 2000 if vat is None else vat
        line["committed_ht"] = read("committed_ht", _amount)
        line["actual_ht"] = read("actual_ht", parse_amount)  # negative: a credit note
        line["actual_vat"] = read("actual_vat", parse_amount)
        line["actual_ttc"] = read("actual_ttc", parse_amount)
        line["vat_deduction_pct"] = read("vat_deduction_pct", _progress)
        line["supplier_siret"] = _text(values.get("supplier_siret"))
        line["supplier_vat"] = _text(values.get("supplier_vat"))
        for key in ("payment_date", "in_service_date", "disposal_date", "service_from", "service_to"):
            line[key] = read(key, parse_date)
        line["invoice_ref"] = _text(values.get("invoice_ref"))
        line["invoice_date"] = read("invoice_date", parse_date)
        recoverable = read("vat_recoverable", _yes_no)
        line["vat_recoverable"] = vat_default if recoverable is None else recoverable
        line["depreciation_years"] = read("depreciation_years", _whole_number)
        line["recurring"] = bool(read("recurring", _yes_no))
        year = read("fiscal_year", parse_fiscal_year)
        if year is not None:
            line["fiscal_year"] = year
    line_readable = len(problems) == problems_before_line
    if not title:
        return
    key = fold(title)
    planned = actions.get(key)
    if planned is None:
        if key in existing:
            problems.append(tr("an action titled {title!r} is already in the plan", title=title))
        planned = PlannedAction(title, preview.row, {}, tuple(item_ids))
        actions[key] = planned
    elif item_ids and tuple(item_ids) != planned.item_ids:
        if planned.item_ids:
            problems.append(tr("{column} differs from row {row} of the same action", column=_header("items"),
                               row=planned.first_row))
        planned.item_ids = tuple(item_ids)
    for name, value in fields.items():
        if value is None:
            continue
        previous = planned.fields.get(name)
        if previous is not None and previous != value:
            column = {"start_date": "start", "due_date": "due"}.get(name, name)
            problems.append(tr("{column} differs from row {row} of the same action", column=_header(column),
                               row=planned.first_row))
        else:
            planned.fields[name] = value
    candidate = Action(None, title, **{k: v for k, v in planned.fields.items() if k in ("description", "owner")},
                       priority=planned.fields.get("priority") or 3,
                       status=planned.fields.get("status") or ActionStatus.TODO.value,
                       start_date=planned.fields.get("start_date"), due_date=planned.fields.get("due_date"),
                       progress=planned.fields.get("progress") or 0)
    problems.extend(p for p in validate_action(candidate) if p not in problems)
    if has_line and line_readable:
        # The line's date places it in a fiscal year: the invoice's, else the action's due or start date.
        expense_date = (line.get("invoice_date") or planned.fields.get("due_date") or planned.fields.get("start_date")
                        or today.isoformat())
        line["expense_date"] = expense_date
        fiscal_year = line.get("fiscal_year") or fiscal_year_of(date.fromisoformat(expense_date), start_month)
        candidate_line = BudgetLine(None, 0, **{**line, "fiscal_year": fiscal_year})
        problems.extend(validate_line(candidate_line))
        try:
            check_depreciation_duration(candidate_line, confirm_durations)
        except DurationNeedsConfirmation as question:
            problems.append(tr("{column}: {problem}", column=_header("depreciation_years"),
                               problem=str(question).rstrip(".") + " " + tr("(to accept it: --confirm-durations, or the box of the import window)")))
        planned.lines.append((preview.row, line))


def _items(value: Any, catalogue: Catalogue) -> tuple[str, ...]:
    parts = re.split(r"[;,\s]+", _text(value))
    known = {i.id.casefold(): i.id for i in catalogue.items}
    return tuple(dict.fromkeys(known.get(p.casefold(), p) for p in parts if p))


def _lookup(value: Any, words: dict[str, str], what: str) -> str:
    found = words.get(_header_key(_text(value)))
    if found is None:
        if what == "nature":
            raise InvalidValue(tr("unknown nature {value!r}: use investissement or fonctionnement", value=_text(value)))
        allowed = ", ".join(c.label for c in Category)
        raise InvalidValue(tr("unknown category {value!r}: use one of {allowed}", value=_text(value), allowed=allowed))
    return found


def _amount(value: Any) -> int:
    cents = parse_amount(value)
    if cents < 0:
        raise InvalidValue(tr("a negative amount ({value}) is not allowed", value=_text(value)))
    return cents


def _yes_no(value: Any) -> bool:
    text = fold(_text(value))
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise InvalidValue(tr("write oui or non, not {value!r}", value=_text(value)))


def _whole_number(value: Any) -> int:
    text = _text(value)
    if not re.fullmatch(r"\d{1,3}", text):
        raise InvalidValue(tr("unreadable number {value!r}", value=text))
    return int(text)


def _progress(value: Any) -> int:
    if isinstance(value, float) and 0 < value <= 1:  # a percent-formatted cell
        return round(value * 100)
    text = _text(value).rstrip("%").strip()
    if not re.fullmatch(r"\d{1,3}", text):
        raise InvalidValue(tr("unreadable number {value!r}", value=_text(value)))
    return int(text)


# ---- writing ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportResult:
    actions: int
    lines: int


class PlanImport:
    """Importing an action plan kept in Excel or CSV: checked in full, then written all or nothing."""

    def __init__(self, plan: ActionPlan, catalogue: Catalogue, clinic: ClinicStore, uow: UnitOfWork):
        self._plan = plan
        self._catalogue = catalogue
        self._clinic = clinic
        self._uow = uow

    def preview(self, path: Path | str, today: date | None = None, confirm_durations: bool = False) -> ImportPreview:
        """Read and check the whole file without writing anything; every bad row gets its problems."""
        return _preview(self._plan, self._catalogue, self._clinic.get(), path, today, confirm_durations)

    def import_file(self, actor: Actor, path: Path | str, today: date | None = None) -> ImportResult:
        preview = self.preview(path, today)
        if not preview.ok:
            raise preview.refusal()
        return self.apply(actor, preview)

    def apply(self, actor: Actor, preview: ImportPreview) -> ImportResult:
        """Write a checked file in one transaction, or nothing at all."""
        if not preview.ok:
            raise preview.refusal()
        require(actor, Permission.EDIT_PLAN)
        with self._uow.writing(actor, Permission.EDIT_PLAN) as audit:
            if preview.line_count:
                # The role as read inside the transaction, not the one the caller signed in with.
                require(audit.actor, Permission.EDIT_BUDGET)
            for planned in preview.actions:
                # A blank priority stays out: the plan suggests one from the items' severity and status.
                fields = {k: v for k, v in planned.fields.items() if v is not None}
                try:
                    action = self._plan.create_action_in(audit, title=planned.title, item_ids=planned.item_ids, **fields)
                except ClinicGuardError as exc:
                    raise ImportRefused(tr("Row {row}: {problems}", row=planned.first_row, problems=exc)) from None
                for row, line in planned.lines:
                    try:
                        self._plan.add_line_in(audit, action.id, confirm_duration=preview.confirm_durations,  # type: ignore[arg-type]
                                               **line)
                    except ClinicGuardError as exc:
                        raise ImportRefused(tr("Row {row}: {problems}", row=row, problems=exc)) from None
            result = ImportResult(len(preview.actions), preview.line_count)
            audit.record("plan.import", "plan", preview.source.name, None,
                         {"file": preview.source.name, "sha256": preview.sha256, "actions": result.actions,
                          "lines": result.lines})
        return result


# ---- the template --------------------------------------------------------------------------------
LISTS_SHEET = "Listes"
TEMPLATE_ROWS = 1000  # rows of the 'Plan' sheet offered the drop-down lists
TEMPLATE_LISTS: dict[str, tuple[str, ...]] = {
    "priority": ("P1", "P2", "P3", "P4"),
    "status": ("À faire", "En cours", "En attente", "Terminée", "Abandonnée"),
    "nature": ("investissement", "fonctionnement"),
    "category": ("Matériel", "Logiciel", "Prestations et conseil", "Formation", "Abonnements et hébergement",
                 "Assurance", "Autre"),
    "vat_rate": ("20 %", "13 %", "10 %", "8,5 %", "5,5 %", "2,1 %", "1,75 %", "1,05 %", "0,9 %", "0 %"),
    "vat_recoverable": ("oui", "non"),
    "recurring": ("oui", "non"),
}


def write_template(path: Path | str) -> None:
    """Write the import template: the 'Plan' sheet to fill in, an example, help, and the allowed values.

    The drop-down lists point at ranges of a hidden 'Listes' sheet: a list written inline in the
    validation is split at every comma, which would cut '5,5 %' into '5' and '5 %'.
    """
    # openpyxl and the sheet helpers load here, not with the module: opening a clinic (every
    # command, the window) must not pay for them (core/exports/__init__.py loads lazily).
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    xlsx = exports.xlsx
    SheetColumn, TEXT, TableSheet, WRAP, put = xlsx.Column, xlsx.TEXT, xlsx.TableSheet, xlsx.WRAP, xlsx.put

    workbook = Workbook()
    columns = [SheetColumn(c.header, TEXT, c.width) for c in COLUMNS]
    plan = TableSheet(workbook.active, columns)
    plan.sheet.title = "Plan"
    example = TableSheet(workbook.create_sheet("Exemple"), columns)
    for row in _EXAMPLE_ROWS:
        example.append(row)
    example.finish()

    help_sheet = workbook.create_sheet("Aide")
    for n, (name, text) in enumerate(_HELP, 1):
        put(help_sheet, n, 1, TEXT, name)
        put(help_sheet, n, 2, WRAP, text)
    help_sheet.column_dimensions["A"].width = 28
    help_sheet.column_dimensions["B"].width = 90

    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    letters = {c.key: get_column_letter(n) for n, c in enumerate(COLUMNS, 1)}
    for n, (key, allowed) in enumerate(TEMPLATE_LISTS.items(), 1):
        put(lists, 1, n, TEXT, _header(key))
        for row, value in enumerate(allowed, 2):
            put(lists, row, n, TEXT, value)
        validation = DataValidation(type="list", formula1=xlsx.column_range(LISTS_SHEET, n, 2, len(allowed) + 1),
                                    allow_blank=True)
        validation.add(f"{letters[key]}2:{letters[key]}{TEMPLATE_ROWS}")
        plan.sheet.add_data_validation(validation)
    plan.finish()
    xlsx.save_atomically(workbook, Path(path))


_EXAMPLE_ROWS = [
    # Titre .. Échéance, Libellé .. Exercice, then Avancement, Montant engagé HT, Référence facture,
    # Date facture, TVA récupérable, Amortissement (années), Récurrent.
    ["Mettre en place une sauvegarde externalisée", "Sauvegarde chiffrée hors du cabinet", "",
     "Claire Martin", "P1", "En cours", "01/02/2026", "30/04/2026", "NAS 2 baies et disques", "LDLC Pro",
     "investissement", "Matériel", "649,00", "20 %", "", "", "20", "620,00", "", "", "non", "3", "non"],
    ["Mettre en place une sauvegarde externalisée", "", "", "", "", "", "", "",
     "Sauvegarde en ligne (abonnement annuel)", "Hébergeur certifié HDS", "fonctionnement",
     "Abonnements et hébergement", "300,00", "20 %", "", "", "", "", "", "", "", "", "oui"],
]
_HELP = [
    ("Colonne", "Contenu"),
    ("Titre", "Obligatoire. Les lignes qui ont le même titre forment une seule action (une ligne par dépense)."),
    ("Recommandations", "Identifiants des recommandations traitées, séparés par « ; » (ex. SEC-BACKUP-01;GOV-ROLES-01)."),
    ("Priorité", "P1 à P4. Vide : proposée d'après la gravité et le statut des recommandations."),
    ("Statut", "À faire, En cours, En attente, Terminée ou Abandonnée. Vide : À faire."),
    ("Début, Échéance, Date facture", "JJ/MM/AAAA ou AAAA-MM-JJ. L'échéance ne peut pas précéder le début."),
    ("Montant HT, Montant engagé HT, Montant réel HT",
     ("En euros, avec une virgule ou un point (1234,56). Montant HT obligatoire pour une dépense. Seul le montant "
      "réel d'un avoir est négatif.")),
    ("TVA facture, TTC facture", ("La TVA et le TTC imprimés sur la facture, contrôlés à un centime près (pas "
                                  "recalculés). Vides : calculés d'après le taux. Une facture à plusieurs taux : une "
                                  "ligne par taux.")),
    ("TVA déductible %", "La part de TVA que le cabinet déduit, de 0 à 100. Vide : selon « TVA récupérable »."),
    ("SIRET fournisseur, N° TVA fournisseur", "Facultatifs ; vérifiés (clé de Luhn du SIRET, clé du numéro de TVA)."),
    ("Mise en service, Date de cession", ("Pour un investissement : l'amortissement part de la mise en service et "
                                          "s'arrête à la cession. Une durée hors de 1 à 10 ans demande "
                                          "--confirm-durations.")),
    ("Service du, Service au", ("Pour une dépense de fonctionnement : la période couverte ; la part après la "
                                "clôture est une charge constatée d'avance.")),
    ("Taux TVA", ("20 %, 10 %, 5,5 %, 2,1 % ou 0 % (Corse : 13 %, 0,9 % ; Guadeloupe, Martinique, La Réunion : "
                  "8,5 %, 1,75 %, 1,05 %). Vide : 20 %.")),
    ("Nature", "investissement ou fonctionnement. Vide : fonctionnement."),
    ("Catégorie", "Matériel, Logiciel, Prestations et conseil, Formation, Abonnements et hébergement, Assurance, Autre."),
    ("Exercice", "Année de début de l'exercice (2026, ou 2026-2027). Vide : déduit de la date de la dépense."),
    ("TVA récupérable", "oui ou non. Vide : le réglage du cabinet (non par défaut)."),
    ("Amortissement (années)", "Pour un investissement : durée d'amortissement en années."),
    ("Récurrent", "oui pour un abonnement annuel, qui compte aussi sur les exercices suivants."),
    ("Importer", "Le fichier n'est importé que si toutes les lignes sont valides ; sinon rien n'est modifié."),
]
