"""The purchase journal of a fiscal year, as a CSV file that accounting software imports.

One balanced entry per invoice of the year: the line's account (class 6, or class 2 for an
investment) debited with the amount excl. VAT plus the VAT not deducted, the deductible VAT
account (44566, or 44562 for an investment) debited with the deductible share per rate, and the
supplier account (401, or 404 for an investment) with an auxiliary account credited with the
amount incl. VAT. A credit note (negative invoice) reverses the sides. Semicolons, dd/mm/yyyy dates,
decimal commas, UTF-8 with a BOM or Windows-1252; the column names are those of the FEC
(fichier des écritures comptables: Livre des procédures fiscales, art. L47 A and A47 A-1;
BOI-CF-IOR-60-40-20) where they apply.

With `year_end`, the year-end entries follow in journal OD: each asset's depreciation of the year
(6811 to its 28 account) and the running costs' part prepaid for the next year (486).

It is an IMPORT file, not the legal FEC: the FEC is produced by the accounting software from the
books once the entries are validated. The file has no comment line (software refuses one), so
the CLI, the GUI and the README say so.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from clinicguard.core.budget import (
    BudgetSummary,
    Depreciation,
    depreciations,
    prepaid_at_year_end,
)
from clinicguard.core.exports.pipeline import (
    ExportSources,
    PreparedExport,
    authorised,
    check_folder,
    publish_export,
)
from clinicguard.core.formatting import fold, format_date
from clinicguard.i18n import tr
from clinicguard.model.accounts import (
    DEPRECIATION_CHARGE,
    PREPAID_EXPENSES,
    account_label,
    depreciation_account,
    supplier_account,
    vat_account,
)
from clinicguard.model.budget import BudgetLine, deductible_vat, format_rate
from clinicguard.model.errors import ClinicGuardError, InvalidValue
from clinicguard.model.invoice import normal_identifier
from clinicguard.model.people import Actor

ENCODINGS = ("utf-8-sig", "cp1252")
JOURNAL_CODE = "HA"
JOURNAL_LABEL = "Achats"
YEAR_END_CODE = "OD"
JOURNAL_LABELS = {JOURNAL_CODE: JOURNAL_LABEL, YEAR_END_CODE: "Opérations diverses"}
# The 18 columns of the FEC (article A47 A-1 of the Livre des procédures fiscales), in its order.
FEC_COLUMNS = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
               "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
               "ValidDate", "Montantdevise", "Idevise")
UNKNOWN_SUPPLIER_CODE = "FDIVERS"


class NotAJournalName(ClinicGuardError):
    """The destination does not end in .csv or .txt."""


@dataclass(frozen=True)
class JournalRow:
    entry: str  # EcritureNum
    day: str  # ISO date of the invoice
    account: str
    account_label: str
    aux: str  # auxiliary (supplier) account, only on the supplier's row
    aux_label: str
    piece: str  # the invoice number
    text: str  # EcritureLib
    debit: int  # cents
    credit: int
    line_id: int
    journal: str = "HA"  # HA purchases; OD the year-end entries (depreciation, prepaid expenses)


@dataclass(frozen=True)
class PurchaseJournal:
    fiscal_year: int
    rows: tuple[JournalRow, ...]
    entries: int

    @property
    def debit(self) -> int:
        return sum(r.debit for r in self.rows)

    @property
    def credit(self) -> int:
        return sum(r.credit for r in self.rows)


# ---- supplier sub-accounts --------------------------------------------------------------------------
def siren_of(line: BudgetLine) -> str:
    """The supplier's SIREN from its SIRET or French VAT number, or ''."""
    siret = normal_identifier(line.supplier_siret)
    if len(siret) == 14:
        return siret[:9]
    vat = normal_identifier(line.supplier_vat)
    if vat.startswith("FR") and len(vat) == 13:
        return vat[4:]
    return ""


def supplier_codes(lines: Iterable[BudgetLine]) -> dict[str, str]:
    """An auxiliary account per supplier: F + its SIREN when known (stable from year to year), else
    F + the first 12 letters and digits of its name, numbered when two names share them. Keyed by
    supplier_key()."""
    codes: dict[str, str] = {}
    by_name: dict[str, set[str]] = {}
    for line in lines:
        key = supplier_key(line)
        if key.startswith("siren:"):
            codes[key] = "F" + key[6:]
        elif key:
            by_name.setdefault(re.sub(r"[^A-Z0-9]", "", fold(key[5:]).upper())[:12] or "X", set()).add(key)
    for stem, keys in by_name.items():
        for n, key in enumerate(sorted(keys)):
            codes[key] = f"F{stem}" if n == 0 else f"F{stem}{n + 1}"
    return codes


def supplier_key(line: BudgetLine) -> str:
    siren = siren_of(line)
    if siren:
        return f"siren:{siren}"
    name = " ".join(line.supplier.split())
    return f"name:{fold(name)}" if name else ""


# ---- the entries -----------------------------------------------------------------------------------
def invoiced_lines(summary: BudgetSummary) -> list[BudgetLine]:
    """The lines invoiced in the fiscal year (a dropped action's invoice too: it was paid)."""
    lines = [e.line for e in summary.entries if e.actual_ht is not None and e.actual_ht != 0]
    return sorted(lines, key=lambda l: ((l.invoice_date or l.expense_date)[:10], l.id or 0))


def purchase_journal(summary: BudgetSummary) -> PurchaseJournal:
    lines = invoiced_lines(summary)
    codes = supplier_codes(lines)
    rows: list[JournalRow] = []
    for n, line in enumerate(lines, 1):
        number = f"{JOURNAL_CODE}{summary.fiscal_year}-{n:04d}"
        day = (line.invoice_date or line.expense_date)[:10]
        piece = line.invoice_ref or tr("line {id}", id=line.id)
        text = " - ".join(t for t in (line.supplier, line.label) if t)
        parts = line.invoice_parts
        deductible = [(rate, deductible_vat(vat, line.deduction_pct)) for rate, _, vat in parts]
        ttc = line.invoice_ttc or 0
        charged = ttc - sum(d for _, d in deductible)  # excl. VAT + the VAT not deducted

        def row(account: str, amount: int, aux: str = "", aux_label: str = "", suffix: str = "",
                number=number, day=day, piece=piece, text=text, line=line) -> JournalRow:
            # Debit for a positive amount; a credit note's negative amount goes to the other side.
            debit, credit = (amount, 0) if amount >= 0 else (0, -amount)
            return JournalRow(number, day, account, account_label(account), aux, aux_label, piece,
                              text + suffix, debit, credit, line.id or 0)

        rows.append(row(line.booked_account, charged))
        for rate, amount in deductible:
            if amount:
                suffix = f" - TVA {format_rate(rate)}" + (f" ({line.deduction_pct} %)" if line.deduction_pct < 100 else "")
                rows.append(row(vat_account(line.nature), amount, suffix=suffix))
        key = supplier_key(line)
        aux = codes.get(key, UNKNOWN_SUPPLIER_CODE)
        rows.append(row(supplier_account(line.nature), -ttc, aux, line.supplier or tr("Various suppliers")))
    return PurchaseJournal(summary.fiscal_year, tuple(rows), len(lines))


def with_year_end(journal: PurchaseJournal, summary: BudgetSummary,
                  assets: Iterable[Depreciation]) -> PurchaseJournal:
    """The journal plus the year-end entries (journal OD, dated the last day of the fiscal year, or
    the disposal): each asset's depreciation of the year (6811 to its 28 account) and the part of
    running costs prepaid for the next year (486 to the charge's account; the accountant's software
    reverses it at the opening of the next year)."""
    year_end = summary.bounds[1]
    rows = list(journal.rows)
    n = 0

    def entry(day: str, piece: str, text: str, debit_account: str, credit_account: str, cents: int,
              line_id: int) -> None:
        nonlocal n
        n += 1
        number = f"{YEAR_END_CODE}{summary.fiscal_year}-{n:04d}"
        for account, debit, credit in ((debit_account, cents, 0), (credit_account, 0, cents)):
            rows.append(JournalRow(number, day, account, account_label(account), "", "", piece, text, debit,
                                   credit, line_id, YEAR_END_CODE))

    for item in assets:
        cents = dict(item.schedule).get(summary.fiscal_year, 0)
        if cents <= 0:
            continue
        line = item.line
        day = min(item.disposal, year_end) if item.disposal else year_end
        entry(day.isoformat(), tr("DEPR-{id}", id=line.id), tr("Depreciation - {label}", label=line.label),
              DEPRECIATION_CHARGE, depreciation_account(line.booked_account), cents, line.id or 0)
    for e in summary.entries:
        cents = prepaid_at_year_end(e, year_end)
        if cents > 0:
            entry(year_end.isoformat(), tr("PREP-{id}", id=e.line.id),
                  tr("Prepaid expenses - {label}", label=e.line.label), PREPAID_EXPENSES, e.line.booked_account,
                  cents, e.line.id or 0)
    return PurchaseJournal(journal.fiscal_year, tuple(rows), journal.entries + n)


def _amount(cents: int) -> str:
    units, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{units},{rest:02d}"


def journal_table(journal: PurchaseJournal) -> list[list[str]]:
    """The CSV's rows, header first."""
    table = [list(FEC_COLUMNS)]
    for r in journal.rows:
        table.append([r.journal, JOURNAL_LABELS[r.journal], r.entry, format_date(r.day), r.account, r.account_label, r.aux,
                      r.aux_label, r.piece, format_date(r.day), r.text, _amount(r.debit), _amount(r.credit), "", "",
                      "", "", ""])
    return table


def journal_bytes(journal: PurchaseJournal, encoding: str = "utf-8-sig") -> bytes:
    """The file's bytes. Windows-1252 cannot write every character (a Polish name, an emoji): such a
    row is refused, naming the file's line, the entry and the budget line, instead of a '?'."""
    if encoding not in ENCODINGS:
        raise InvalidValue(tr("Unknown encoding {value!r}: choose utf-8-sig or cp1252.", value=encoding))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    table = journal_table(journal)
    for n, cells in enumerate(table, 1):
        if encoding == "cp1252":
            for cell in cells:
                try:
                    cell.encode("cp1252")
                except UnicodeEncodeError as exc:
                    row = journal.rows[n - 2]
                    raise InvalidValue(tr(
                        "Line {n} of the file (entry {entry}, budget line {line}) holds {char!r}, which Windows-1252 "
                        "cannot write: export in UTF-8 or change that text.", n=n, entry=row.entry, line=row.line_id,
                        char=exc.object[exc.start:exc.end])) from None
        writer.writerow(cells)
    return out.getvalue().encode(encoding)


def import_file_notice() -> str:
    """What the file is, said wherever it is written (the file itself can hold no comment)."""
    return tr("This is an import file for accounting software (purchase journal), not the legal FEC: the FEC is "
              "produced by the accounting software from the validated books.")


# ---- writing, with its audit entry ---------------------------------------------------------------
def check_journal_path(out: Path | str) -> Path:
    out = Path(out)
    if out.suffix.lower() not in (".csv", ".txt"):
        raise NotAJournalName(tr("The purchase journal is a CSV file: give a file name ending in .csv."))
    return out


def export_purchase_journal(sources: ExportSources, actor: Actor, year: int | None, out: Path | str,
                            encoding: str = "utf-8-sig", year_end: bool = False) -> tuple[Path, PurchaseJournal]:
    """Write the purchase journal of fiscal `year` to `out`, recorded in the audit trail (export.purchase-journal);
    `year_end` adds the year-end entries (depreciation, prepaid expenses). The file is written beside
    the destination first, so a refusal leaves nothing."""
    out = check_journal_path(out)
    authorised(sources, actor)
    summary = sources.plan.summary(year)
    journal = purchase_journal(summary)
    if year_end:
        statuses = {a.id: a.status for a in sources.plan.actions()}
        assets = depreciations(sources.plan.lines(), statuses, summary.fiscal_year, summary.start_month)
        journal = with_year_end(journal, summary, assets)
    data = journal_bytes(journal, encoding)  # refuses before any file is written
    check_folder(out)
    fd, name = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".part.csv", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    details = {"fiscal_year": summary.fiscal_year, "entries": journal.entries, "debit": journal.debit,
               "credit": journal.credit, "encoding": encoding, "year_end": year_end}
    prepared = PreparedExport("purchase-journal", lambda **_: None, details)  # type: ignore[arg-type,return-value]
    return publish_export(sources, actor, prepared, Path(name), out), journal
