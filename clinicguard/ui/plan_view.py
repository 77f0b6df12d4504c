"""The action plan page: a sortable, filterable table of actions (item models, smooth at 10,000
rows), the gaps still without an action, and the selected action's budget lines."""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from clinicguard.core.budget import (
    DurationNeedsConfirmation,
    InvalidValue,
    parse_amount,
)
from clinicguard.core.changes import Changes
from clinicguard.core.formatting import format_date, format_money
from clinicguard.core.plan import ActionDraft, priority_label, priority_rule
from clinicguard.core.plan_filter import PlanRow, filter_plan, plan_mask
from clinicguard.core.plan_import import ImportPreview, write_template
from clinicguard.i18n import pick, tr, trn
from clinicguard.model.accounts import account_label, default_account
from clinicguard.model.budget import (
    VAT_RATES_BP,
    BudgetLine,
    Category,
    Nature,
    fiscal_year_label,
    format_rate,
    vat_cents,
)
from clinicguard.model.checklist import Status
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.people import Permission
from clinicguard.model.plan import Action, ActionStatus
from clinicguard.ui import collector_paused
from clinicguard.ui.columns import fit_columns
from clinicguard.ui.date_field import DateField
from clinicguard.ui.invoice_fields import InvoiceFields, PeriodFields
from clinicguard.ui.ops import Operation
from clinicguard.ui.state import AppState
from clinicguard.ui.table_model import RowsTableModel, plain_tooltip
from clinicguard.ui.widgets import enable, not_allowed, show_error, why_not

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
OVERDUE_BACKGROUND = QColor("#fde7e7")
OVERDUE_TEXT = QColor("#b3261e")


# ---- the table of actions ------------------------------------------------------------------------
class PlanModel(RowsTableModel):
    """The actions as rows; sorting happens here, on plain Python keys, for speed at 10,000 rows."""

    COLUMNS = ("priority", "title", "owner", "status", "due", "progress", "fiscal_year", "planned", "actual", "items")
    rows: list[PlanRow]

    def __init__(self, parent=None):
        super().__init__([tr("Priority"), tr("Action"), tr("Owner"), tr("Status"), tr("Due date"), tr("Progress"),
                          tr("Fiscal year"), tr("Planned excl. VAT"), tr("Actual excl. VAT"), tr("Recommendations")],
                         parent)
        self.overdue_count = 0
        self.today = date.today()
        self.start_month = 1

    def load(self, rows: list[PlanRow], start_month: int, today: date | None = None) -> None:
        rows = list(rows)
        self.start_month = start_month
        self.today = today or date.today()
        self.overdue_count = sum(1 for r in rows if r.action.is_overdue(self.today))
        self.set_rows(rows)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        a = row.action
        column = self.COLUMNS[index.column()]
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "priority":
                return priority_label(a.priority)
            if column == "title":
                return a.title
            if column == "owner":
                return a.owner
            if column == "status":
                return a.status_enum.label
            if column == "due":
                return format_date(a.due_date)
            if column == "progress":
                return f"{a.progress} %"
            if column == "fiscal_year":
                return ", ".join(fiscal_year_label(y, self.start_month) for y in row.fiscal_years)
            if column == "planned":
                return format_money(row.planned_ht) if row.planned_ht else ""
            if column == "actual":
                return format_money(row.actual_ht) if row.actual_ht else ""
            if column == "items":
                return ", ".join(a.item_ids)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in ("planned", "actual", "progress"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if a.is_overdue(self.today):
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(OVERDUE_BACKGROUND)
            if role == Qt.ItemDataRole.ForegroundRole and column == "due":
                return QBrush(OVERDUE_TEXT)
            if role == Qt.ItemDataRole.ToolTipRole:
                return tr("Overdue since {date}", date=format_date(a.due_date))
        if role == Qt.ItemDataRole.ToolTipRole and column == "title" and a.description:
            return plain_tooltip(a.description)
        return None

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        name = self.COLUMNS[column]
        keys = {
            "priority": lambda r: (r.action.priority, r.action.due_date or "9999"),
            "title": lambda r: r.search_text,
            "owner": lambda r: (r.action.owner.casefold(), r.action.priority),
            "status": lambda r: (list(ActionStatus).index(r.action.status_enum), r.action.priority),
            "due": lambda r: (r.action.due_date or "9999", r.action.priority),
            "progress": lambda r: r.action.progress,
            "fiscal_year": lambda r: r.fiscal_years or (0,),
            "planned": lambda r: r.planned_ht,
            "actual": lambda r: r.actual_ht,
            "items": lambda r: r.action.item_ids,
        }
        self.layoutAboutToBeChanged.emit()
        self.rows.sort(key=keys[name], reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()


class PlanFilter(QSortFilterProxyModel):
    """Filters by owner, status, priority, fiscal year, overdue and text.

    The criteria are evaluated once per change over the source rows (core `filter_plan`) into a
    mask, so Qt's per-row callback is a list lookup; sorting is delegated to the source model.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._mask: list[bool] | None = None  # by source row; None: every row
        self.criteria: dict = {}

    def set_criteria(self, **criteria) -> None:
        self.beginFilterChange()
        self.criteria = {k: v for k, v in criteria.items() if v not in (None, "", False)}
        self._recompute()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def _recompute(self) -> None:
        model: PlanModel = self.sourceModel()  # type: ignore[assignment]
        if not self.criteria or model is None:
            self._mask = None
            return
        criteria = dict(self.criteria)
        if criteria.pop("overdue", False):
            criteria["overdue_on"] = model.today
        self._mask = plan_mask(model.rows, **criteria)

    def refilter(self) -> None:
        """Re-evaluate the criteria after the source rows changed (reloaded or sorted)."""
        self.set_criteria(**self.criteria)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        mask = self._mask
        return True if mask is None else mask[source_row]

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self.sourceModel().sort(column, order)
        self.refilter()  # the mask follows source rows, which have moved


# ---- budget lines of one action --------------------------------------------------------------------
class LinesModel(RowsTableModel):
    COLUMNS = ("label", "supplier", "category", "nature", "fiscal_year", "planned", "vat", "ttc", "committed",
               "actual", "variance")
    rows: list[BudgetLine]

    def __init__(self, parent=None):
        super().__init__([tr("Label"), tr("Supplier"), tr("Category"), tr("Nature"), tr("Fiscal year"),
                          tr("Planned excl. VAT"), tr("VAT"), tr("Planned incl. VAT"), tr("Committed excl. VAT"),
                          tr("Actual excl. VAT"), tr("Variance")], parent)
        self.start_month = 1

    @property
    def lines(self) -> list[BudgetLine]:
        return self.rows

    def load(self, lines: list[BudgetLine], start_month: int) -> None:
        self.start_month = start_month
        self.set_rows(list(lines))

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        line = self.rows[index.row()]
        column = self.COLUMNS[index.column()]
        if role == ROW_ROLE:
            return line
        if role == Qt.ItemDataRole.DisplayRole:
            money = lambda v: "" if v is None else format_money(v)  # noqa: E731
            values = {
                "label": line.label + (" ↻" if line.recurring else ""),
                "supplier": line.supplier,
                "category": Category(line.category).label, "nature": Nature(line.nature).label,
                "fiscal_year": fiscal_year_label(line.fiscal_year, self.start_month),
                "planned": money(line.planned_ht), "vat": f"{money(line.vat(line.planned_ht))} ({format_rate(line.vat_rate_bp)})",
                "ttc": money(line.planned_ttc), "committed": money(line.committed_ht), "actual": money(line.actual_ht),
                "variance": money(line.variance_ht),
            }
            return values[column]
        if role == Qt.ItemDataRole.ForegroundRole and line.over_budget and column in ("actual", "committed", "variance"):
            return QBrush(OVERDUE_TEXT)
        if role == Qt.ItemDataRole.ToolTipRole and line.over_budget:
            return tr("Over budget")
        return None


# ---- dialogs ---------------------------------------------------------------------------------------
class ActionDialog(QDialog):
    """Create or edit an action. `values()` gives the fields for ActionPlan."""

    def __init__(self, parent=None, *, action: Action | None = None, title: str = "", description: str = "",
                 owner: str = "", priority: int = 3, item_ids: tuple[str, ...] = (), owners: list[str] = (),
                 hint: str = ""):
        super().__init__(parent)
        self.setWindowTitle(tr("Edit the action") if action else tr("New action"))
        a = action or Action(None, title, description=description, owner=owner, priority=priority, item_ids=item_ids)
        self.title_edit = QLineEdit(a.title)
        self.title_edit.setMinimumWidth(420)  # suggested titles run to 80 characters
        self.description_edit = QPlainTextEdit(a.description)
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setMaximumHeight(80)
        self.owner_edit = QComboBox()
        self.owner_edit.setEditable(True)
        self.owner_edit.addItems(sorted(set(owners)))
        self.owner_edit.setEditText(a.owner)
        self.priority_edit = QComboBox()
        for p in (1, 2, 3, 4):
            self.priority_edit.addItem(priority_label(p), p)
        self.priority_edit.setCurrentIndex(a.priority - 1)
        self.priority_edit.setToolTip(priority_rule())
        self.status_edit = QComboBox()
        for status in ActionStatus:
            self.status_edit.addItem(status.label, status.value)
        self.status_edit.setCurrentIndex(self.status_edit.findData(a.status))
        self.start_edit = DateField(a.start_date)
        self.due_edit = DateField(a.due_date)
        self.done_edit = DateField(a.done_date)
        self.progress_edit = QSpinBox()
        self.progress_edit.setRange(0, 100)
        self.progress_edit.setSuffix(" %")
        self.progress_edit.setValue(a.progress)
        self.items_edit = QLineEdit("; ".join(a.item_ids))
        self.items_edit.setPlaceholderText(tr("Recommendation ids separated by ;"))
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("&Title"), self.title_edit)
        form.addRow(tr("&Description"), self.description_edit)
        form.addRow(tr("&Owner"), self.owner_edit)
        form.addRow(tr("&Priority"), self.priority_edit)
        form.addRow(tr("&Status"), self.status_edit)
        form.addRow(tr("Start date"), self.start_edit)
        form.addRow(tr("Due date"), self.due_edit)
        form.addRow(tr("Date done"), self.done_edit)
        form.addRow(tr("Progress"), self.progress_edit)
        form.addRow(tr("Recommendations"), self.items_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if hint:
            hint_label = QLabel(hint)
            hint_label.setWordWrap(True)
            hint_label.setStyleSheet("color: #555;")
            layout.addWidget(hint_label)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def values(self) -> dict:
        return {
            "title": self.title_edit.text(), "description": self.description_edit.toPlainText(),
            "owner": self.owner_edit.currentText(), "priority": self.priority_edit.currentData(),
            "status": self.status_edit.currentData(), "start_date": self.start_edit.checked_value(),
            "due_date": self.due_edit.checked_value(), "done_date": self.done_edit.checked_value(),
            "progress": self.progress_edit.value(),
            "item_ids": [i.strip() for i in self.items_edit.text().replace(",", ";").split(";") if i.strip()],
        }


class BudgetLineDialog(QDialog):
    """Create or edit a budget line; VAT and the amount incl. VAT are shown as the amount is typed."""

    def __init__(self, parent=None, *, line: BudgetLine | None = None, vat_recoverable: bool = False,
                 expense_date: str | None = None, suggestion: ActionDraft | None = None, evidence=()):
        super().__init__(parent)
        self.setWindowTitle(tr("Edit the budget line") if line else tr("New budget line"))
        money = lambda v: "" if v is None else format_money(v, symbol=False)  # noqa: E731
        nature = suggestion.suggested_nature if suggestion else None
        amount = suggestion.suggested_amount_ht if suggestion else None
        self.label_edit = QLineEdit(line.label if line else (suggestion.suggested_label if suggestion else ""))
        self.label_edit.setMinimumWidth(360)
        self.supplier_edit = QLineEdit(line.supplier if line else "")
        self.nature_edit = QComboBox()
        for n in Nature:
            self.nature_edit.addItem(n.label, n.value)
        self.nature_edit.setCurrentIndex(self.nature_edit.findData(line.nature if line else (nature or "running")))
        self.category_edit = QComboBox()
        for c in Category:
            self.category_edit.addItem(c.label, c.value)
        category = line.category if line else (suggestion.suggested_category if suggestion else "other")
        self.category_edit.setCurrentIndex(self.category_edit.findData(category))
        self.planned_edit = QLineEdit(money(line.planned_ht if line else amount))
        self.vat_edit = QComboBox()
        for bp in VAT_RATES_BP:
            self.vat_edit.addItem(format_rate(bp), bp)
        self.vat_edit.setCurrentIndex(self.vat_edit.findData(line.vat_rate_bp if line else 2000))
        self.recoverable_edit = QCheckBox(tr("VAT recoverable"))
        self.recoverable_edit.setChecked(line.vat_recoverable if line else vat_recoverable)
        self.vat_label = QLabel()
        self.committed_edit = QLineEdit(money(line.committed_ht) if line else "")
        self.actual_edit = QLineEdit(money(line.actual_ht) if line else "")
        self.invoice_ref_edit = QLineEdit(line.invoice_ref if line else "")
        self.invoice_date_edit = DateField(line.invoice_date if line else None)
        self.expense_date_edit = DateField(line.expense_date if line else expense_date or date.today().isoformat())
        self.year_edit = QSpinBox()
        self.year_edit.setRange(1999, 2200)
        self.year_edit.setSpecialValueText(tr("from the date"))
        self.year_edit.setMinimum(1999)
        self.year_edit.setValue(line.fiscal_year if line and line.fiscal_year_manual else 1999)
        self.depreciation_edit = QSpinBox()
        self.depreciation_edit.setRange(0, 50)
        self.depreciation_edit.setSpecialValueText(tr("none"))
        self.depreciation_edit.setSuffix(" " + tr("years"))
        self.depreciation_edit.setValue((line.depreciation_years or 0) if line else 0)
        self._depreciation_chosen = line is not None  # else it follows the nature and the category
        self._following = False
        self.recurring_edit = QCheckBox(tr("Renews every year (subscription)"))
        self.recurring_edit.setChecked(line.recurring if line else False)
        self.account_edit = QLineEdit(line.account or "" if line else "")
        self.account_edit.setAccessibleName(tr("Account (Plan comptable général)"))
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("&Label"), self.label_edit)
        form.addRow(tr("&Supplier"), self.supplier_edit)
        form.addRow(tr("&Nature"), self.nature_edit)
        form.addRow(tr("&Category"), self.category_edit)
        form.addRow(tr("Planned excl. VAT"), self.planned_edit)
        form.addRow(tr("VAT rate"), self.vat_edit)
        form.addRow("", self.recoverable_edit)
        form.addRow("", self.vat_label)
        form.addRow(tr("Committed excl. VAT (quote signed)"), self.committed_edit)
        form.addRow(tr("Actual excl. VAT (invoiced)"), self.actual_edit)
        form.addRow(tr("Invoice reference"), self.invoice_ref_edit)
        form.addRow(tr("Invoice date"), self.invoice_date_edit)
        form.addRow(tr("Expense date"), self.expense_date_edit)
        form.addRow(tr("Fiscal year"), self.year_edit)
        form.addRow(tr("Depreciation"), self.depreciation_edit)
        form.addRow("", self.recurring_edit)
        form.addRow(tr("Account (Plan comptable général)"), self.account_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        self.suggestion_label = QLabel(self._suggestion_note(suggestion) if line is None else "")
        self.suggestion_label.setWordWrap(True)
        self.suggestion_label.setStyleSheet("color: #555;")
        self.suggestion_label.setVisible(bool(self.suggestion_label.text()))
        layout.addWidget(self.suggestion_label)
        # The budget line, the invoice as printed, and the dates of an asset or a service period.
        self.invoice_fields = InvoiceFields(line, evidence)
        self.period_fields = PeriodFields(line)
        self.tabs = QTabWidget()
        main = QWidget()
        main.setLayout(form)
        self.tabs.addTab(main, tr("The budget line"))
        self.tabs.addTab(self.invoice_fields, tr("Invoice as printed"))
        self.tabs.addTab(self.period_fields, tr("Dates of the asset or the service"))
        layout.addWidget(self.tabs)
        self.actual_edit.textChanged.connect(lambda _: self._show_invoice_vat())
        self.vat_edit.currentIndexChanged.connect(lambda _: self._show_invoice_vat())
        self.nature_edit.currentIndexChanged.connect(lambda _: self._follow_period())
        self.category_edit.currentIndexChanged.connect(lambda _: self._follow_period())
        self._show_invoice_vat()
        self._follow_period()
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.planned_edit.textChanged.connect(self._show_vat)
        self.vat_edit.currentIndexChanged.connect(self._show_vat)
        self.nature_edit.currentIndexChanged.connect(lambda _: self._follow_nature())
        self.category_edit.currentIndexChanged.connect(lambda _: self._follow_nature())
        self.nature_edit.currentIndexChanged.connect(lambda _: self._show_default_account())
        self.category_edit.currentIndexChanged.connect(lambda _: self._show_default_account())
        self._show_default_account()
        self.depreciation_edit.valueChanged.connect(lambda _: self._depreciation_typed())
        self._show_vat()
        self._follow_nature()

    @staticmethod
    def _suggestion_note(suggestion: ActionDraft | None) -> str:
        if suggestion is None or not suggestion.suggested_amount_ht:
            return ""
        def euros(cents: int, symbol: bool) -> str:  # whole euros, as the catalogue states them
            text = format_money(cents, symbol=symbol)
            return text.replace(",00", "").replace(".00", "") if cents % 100 == 0 else text
        low, high = suggestion.suggested_min_ht or 0, suggestion.suggested_amount_ht
        band = (euros(high, True) if low == high else
                tr("{low} to {high}", low=euros(low, False), high=euros(high, True)))
        return tr("Indicative amount: the top of the catalogue's cost band ({band} excl. VAT), to budget "
                  "prudently. Replace it with your quote.", band=band)

    def _show_invoice_vat(self) -> None:
        try:
            actual = parse_amount(self.actual_edit.text()) if self.actual_edit.text().strip() else None
        except InvalidValue:
            actual = None
        self.invoice_fields.show_computed(actual, self.vat_edit.currentData())

    def _follow_period(self) -> None:
        self.period_fields.follow(self.nature_edit.currentData(), self.category_edit.currentData())

    def _show_default_account(self) -> None:
        account = default_account(self.nature_edit.currentData(), self.category_edit.currentData())
        self.account_edit.setPlaceholderText(tr("{account} by default ({label})", account=account,
                                                label=account_label(account)))

    def _depreciation_typed(self) -> None:
        if not self._following:
            self._depreciation_chosen = True

    def _follow_nature(self) -> None:
        """Depreciation only applies to an investment; hardware and software commonly over 3 years."""
        investment = self.nature_edit.currentData() == "investment"
        self.depreciation_edit.setEnabled(investment)
        if not self._depreciation_chosen:
            usual = 3 if investment and self.category_edit.currentData() in ("hardware", "software") else 0
            self._following = True
            self.depreciation_edit.setValue(usual)
            self._following = False

    def _show_vat(self) -> None:
        try:
            amount = parse_amount(self.planned_edit.text())
        except InvalidValue:
            self.vat_label.setText("")
            return
        vat = vat_cents(amount, self.vat_edit.currentData())
        self.vat_label.setText(tr("VAT {vat}, incl. VAT {ttc}", vat=format_money(vat), ttc=format_money(amount + vat)))

    def values(self) -> dict:
        """The fields for ActionPlan; raises InvalidValue for an unreadable amount."""
        def amount(edit: QLineEdit, field: str) -> int | None:
            return parse_amount(edit.text(), field) if edit.text().strip() else None

        planned = amount(self.planned_edit, tr("Planned amount excl. VAT"))
        if planned is None:
            raise InvalidValue(tr("Enter the planned amount excl. VAT."))
        nature = self.nature_edit.currentData()
        return {
            "label": self.label_edit.text(), "supplier": self.supplier_edit.text(), "nature": nature,
            "category": self.category_edit.currentData(), "planned_ht": planned,
            "vat_rate_bp": self.vat_edit.currentData(), "vat_recoverable": self.recoverable_edit.isChecked(),
            "committed_ht": amount(self.committed_edit, tr("Committed amount excl. VAT")),
            "actual_ht": amount(self.actual_edit, tr("Actual amount excl. VAT")),
            "invoice_ref": self.invoice_ref_edit.text(), "invoice_date": self.invoice_date_edit.checked_value(),
            "expense_date": self.expense_date_edit.checked_value(),
            "fiscal_year": self.year_edit.value() if self.year_edit.value() != self.year_edit.minimum() else None,
            "depreciation_years": (self.depreciation_edit.value() or None) if nature == "investment" else None,
            "recurring": self.recurring_edit.isChecked(), "account": self.account_edit.text(),
            **self.invoice_fields.values(), **self.period_fields.values(nature),
        }


class PreviewModel(RowsTableModel):
    """The rows of a file to import, each with its problems; bad rows stand out."""

    COLUMNS = ("row", "title", "label", "amount", "problems")

    def __init__(self, preview: ImportPreview, parent=None):
        super().__init__([tr("Row"), tr("Action"), tr("Label"), tr("Planned excl. VAT"), tr("Problems")], parent)
        self.preview = preview
        self.rows = preview.rows

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return {"row": str(row.row), "title": row.values.get("title", ""), "label": row.values.get("label", ""),
                    "amount": row.values.get("planned_ht", ""), "problems": "; ".join(row.problems) or tr("OK")}[column]
        if role == Qt.ItemDataRole.BackgroundRole and row.problems:
            return QBrush(OVERDUE_BACKGROUND)
        if role == Qt.ItemDataRole.ToolTipRole and row.problems:
            return plain_tooltip(row.message)
        return None


class ImportDialog(QDialog):
    """Import a plan from Excel or CSV: choose the file, see each row's problems, import all or nothing."""

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self.preview: ImportPreview | None = None
        self.result_value = None
        self.setWindowTitle(tr("Import an action plan"))
        self.resize(900, 500)
        intro = QLabel(tr("One row per budget line; rows with the same title form one action. Nothing is "
                          "written unless every row is valid."))
        intro.setWordWrap(True)
        self.file_label = QLabel(tr("No file chosen."))
        self.choose_button = QPushButton(tr("Choose a file…"))
        self.template_button = QPushButton(tr("Save the template…"))
        top = QHBoxLayout()
        top.addWidget(self.file_label, 1)
        top.addWidget(self.choose_button)
        top.addWidget(self.template_button)
        self.confirm_durations_edit = QCheckBox(tr("accept depreciation periods outside the usual 1 to 10 years"))
        self.confirm_durations_edit.toggled.connect(lambda _: self._path is not None and self.load(self._path))
        self._path: Path | None = None
        self.table = QTableView()
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton(tr("Import"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.buttons.accepted.connect(self.run_import)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(self.confirm_durations_edit)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.buttons)
        self.choose_button.clicked.connect(self._choose)
        self.template_button.clicked.connect(self._save_template)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Import an action plan"), "",
                                              tr("Spreadsheets (*.xlsx *.csv)"))
        if path:
            self.load(Path(path))

    def _save_template(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("Save the template…"), "modele-plan-action.xlsx",
                                              tr("Excel workbook (*.xlsx)"))
        if path:
            try:
                write_template(Path(path))
            except (ClinicGuardError, OSError) as exc:
                QMessageBox.warning(self, "ClinicGuard", str(exc))

    def load(self, path: Path) -> Operation:
        """Read and check the file off the UI thread (nothing is written; a large workbook takes
        seconds), then show every row with its problems."""
        self.file_label.setText(str(path))
        self.preview = None
        self.table.setModel(None)
        self.import_button.setEnabled(False)
        self.choose_button.setEnabled(False)
        self.summary_label.setText(tr("Reading {file}…", file=path.name))

        def refused(exc: BaseException) -> None:
            if not isinstance(exc, ClinicGuardError):
                self.summary_label.setText("")
                show_error(self, exc)
                return
            self.summary_label.setText(str(exc))

        self._path = path
        preview = partial(self.state.ws.plan_import.preview, confirm_durations=self.confirm_durations_edit.isChecked())
        return Operation(self, preview, path, success=lambda p: self._show_preview(path, p)) \
            .failure(refused).finally_(lambda: self.choose_button.setEnabled(True)).run()

    def _show_preview(self, path: Path, preview: ImportPreview) -> None:
        self.preview = preview
        self.table.setModel(PreviewModel(self.preview, self.table))
        self.table.setColumnWidth(1, 260)
        self.table.setColumnWidth(2, 200)
        self.table.horizontalHeader().setStretchLastSection(True)
        bad = self.preview.bad_rows
        if bad:
            self.summary_label.setText(self.preview.refusal().args[0].splitlines()[0])
        elif not self.preview.rows:
            self.summary_label.setText(tr("{file} holds no row to import.", file=path.name))
        else:
            self.summary_label.setText(tr("{actions} and {lines} ready to import.",
                                          actions=trn("{n} action", "{n} actions", len(self.preview.actions)),
                                          lines=trn("{n} budget line", "{n} budget lines", self.preview.line_count)))
        note = self.preview.ignored_note()
        if note:  # said before the import, so no amount is dropped without a word
            self.summary_label.setText(f"{self.summary_label.text()}\n{note}")
        self.import_button.setEnabled(self.preview.ok and self.state.can(Permission.EDIT_PLAN))

    def run_import(self) -> None:
        if self.preview is None:
            return
        try:
            self.result_value = self.state.ws.plan_import.apply(self.state.actor, self.preview)
        except ClinicGuardError as exc:
            self.summary_label.setText(str(exc))
            return
        self.accept()


# ---- the page --------------------------------------------------------------------------------------
def ask_existing_action(parent: QWidget, item_id: str, titles: list[str]) -> str:
    """A gap that already has an action: "open" it (the default), "create" another one, or ""."""
    box = QMessageBox(QMessageBox.Icon.Question, "ClinicGuard",
                      tr("The gap {item} already has an action ({titles}). Open it rather than create a duplicate?",
                         item=item_id, titles=", ".join(titles)), parent=parent)
    open_button = box.addButton(tr("Open the action"), QMessageBox.ButtonRole.AcceptRole)
    create_button = box.addButton(tr("Create another action"), QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(open_button)
    box.exec()
    clicked = box.clickedButton()
    return "open" if clicked is open_button else "create" if clicked is create_button else ""


class PlanView(QWidget):
    go_to_checklist = Signal()  # "assess the recommendations" when no gap is known yet
    line_saved = Signal(int)  # a budget line was saved in this fiscal year: the budget page shows it

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self.selected_item: str | None = None  # the recommendation selected in the checklist
        self.model = PlanModel(self)
        self.proxy = PlanFilter(self)
        self.proxy.setSourceModel(self.model)
        self.lines_model = LinesModel(self)

        self.search = QLineEdit(placeholderText=tr("Search (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.owner_filter = QComboBox()
        self.status_filter = QComboBox()
        self.status_filter.addItem(tr("All statuses"), None)
        for status in ActionStatus:
            self.status_filter.addItem(status.label, status.value)
        self.priority_filter = QComboBox()
        self.priority_filter.addItem(tr("All priorities"), None)
        for p in (1, 2, 3, 4):
            self.priority_filter.addItem(priority_label(p), p)
        self.year_filter = QComboBox()
        self.overdue_filter = QCheckBox(tr("Overdue only"))
        for combo, label in ((self.owner_filter, tr("Owner")), (self.status_filter, tr("Status")),
                             (self.priority_filter, tr("Priority")), (self.year_filter, tr("Fiscal year"))):
            combo.setAccessibleName(label)
        # Two rows of filters, each combo at least as wide as its "All ..." label: one row of four
        # would be cut (or force a window wider than 1024 px) next to the list of gaps.
        for combo in (self.owner_filter, self.status_filter, self.priority_filter, self.year_filter):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 2)
        search_row.addWidget(self.owner_filter, 1)
        search_row.addWidget(self.status_filter, 1)
        combos_row = QHBoxLayout()
        combos_row.addWidget(self.priority_filter, 1)
        combos_row.addWidget(self.year_filter, 1)
        combos_row.addWidget(self.overdue_filter)
        # what the filters show, beside them: the buttons' row is the page's widest already
        self.count_label = QLabel()
        self.count_label.setWordWrap(True)  # two lines rather than a window wider than 1024 px
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        combos_row.addWidget(self.count_label, 1)
        filters = QVBoxLayout()
        filters.addLayout(search_row)
        filters.addLayout(combos_row)

        self.new_button = QPushButton(tr("New action"))
        self.edit_button = QPushButton(tr("Edit"))
        self.delete_button = QPushButton(tr("Delete"))
        self.import_button = QPushButton(tr("Import from Excel…"))
        self.add_line_button = QPushButton(tr("Add a budget line"))
        self.edit_line_button = QPushButton(tr("Edit the line"))
        self.delete_line_button = QPushButton(tr("Delete the line"))
        buttons = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.delete_button, self.import_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        money = [format_money(8_888_888)]  # 88 888,88 €: an action's total, never cut
        fit_columns(self.table, stretch=1, widths={0: 64, 2: 120, 5: 70, 9: 110},
                    samples={3: [s.label for s in ActionStatus], 4: [format_date("2026-12-28")], 6: ["2026-2027"],
                             7: money, 8: money},
                    optional=(9, 6, 5, 8, 2))  # recommendations, fiscal year, progress, actual, owner: when there is room
        self.table.setAccessibleName(tr("Action plan"))
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)

        self.empty_label = QLabel(tr("No action yet: pick a gap on the right and click \"Create an action\", "
                                     "or import your plan from Excel."))
        self.empty_label.setWordWrap(True)

        self.gaps_label = QLabel()
        self.gaps_label.setWordWrap(True)
        self.gaps_list = QListWidget()
        self.gaps_list.setAccessibleName(tr("Gaps with no action"))
        # long recommendation titles wrap instead of running off the narrow column
        self.gaps_list.setWordWrap(True)
        self.gaps_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.gaps_list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.gaps_list.setMinimumWidth(150)
        self.gaps_hint = QLabel()
        self.gaps_hint.setWordWrap(True)
        self.gaps_hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.to_checklist_button = QPushButton(tr("Assess the recommendations"))
        self.gap_button = QPushButton(tr("Create an action"))
        gaps_box = QWidget()
        gaps_layout = QVBoxLayout(gaps_box)
        gaps_layout.setContentsMargins(0, 0, 0, 0)
        gaps_layout.addWidget(self.gaps_label)
        gaps_layout.addWidget(self.gaps_list, 1)
        gaps_layout.addWidget(self.gaps_hint)
        gaps_layout.addWidget(self.to_checklist_button)
        gaps_layout.addStretch(0)
        gaps_layout.addWidget(self.gap_button)

        self.lines_title = QLabel()
        self.lines_title.setStyleSheet("font-weight: bold;")
        self.lines_title.setWordWrap(True)
        self.lines_table = QTableView()
        self.lines_table.setModel(self.lines_model)
        self.lines_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lines_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lines_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines_table.verticalHeader().setVisible(False)
        fit_columns(self.lines_table, stretch=0, widths={1: 110},
                    samples={2: [c.label for c in Category], 3: [n.label for n in Nature], 4: ["2026-2027"],
                             **{c: money for c in (5, 7, 8, 9, 10)}},
                    optional=(6, 4, 3, 10, 8, 1))
        line_buttons = QHBoxLayout()
        for button in (self.add_line_button, self.edit_line_button, self.delete_line_button):
            line_buttons.addWidget(button)
        line_buttons.addStretch(1)
        lines_box = QWidget()
        lines_layout = QVBoxLayout(lines_box)
        lines_layout.setContentsMargins(0, 0, 0, 0)
        lines_layout.addWidget(self.lines_title)
        lines_layout.addWidget(self.lines_table, 1)
        lines_layout.addLayout(line_buttons)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(filters)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.empty_label)
        left_layout.addWidget(self.table, 3)
        left_layout.addWidget(lines_box, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(gaps_box)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([1000, 250])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.search.textChanged.connect(self.apply_filters)
        for combo in (self.owner_filter, self.status_filter, self.priority_filter, self.year_filter):
            combo.currentIndexChanged.connect(self.apply_filters)
        self.overdue_filter.toggled.connect(self.apply_filters)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_lines())
        self.lines_table.selectionModel().selectionChanged.connect(lambda *_: self._apply_permissions())
        self.lines_table.selectionModel().currentRowChanged.connect(lambda *_: self._apply_permissions())
        self.to_checklist_button.clicked.connect(self.go_to_checklist)
        self.table.doubleClicked.connect(lambda _: self.edit_action())
        self.lines_table.doubleClicked.connect(lambda _: self.edit_line())
        self.new_button.clicked.connect(lambda: self.new_action())
        self.edit_button.clicked.connect(lambda: self.edit_action())
        self.delete_button.clicked.connect(lambda: self.delete_action())
        self.add_line_button.clicked.connect(lambda: self.add_line())
        self.edit_line_button.clicked.connect(lambda: self.edit_line())
        self.delete_line_button.clicked.connect(lambda: self.delete_line())
        self.gap_button.clicked.connect(self._create_from_selected_gap)
        self.import_button.clicked.connect(lambda: self.import_plan())
        self.gaps_list.itemActivated.connect(lambda item: self.create_from_gap(item.data(Qt.ItemDataRole.UserRole)))
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.search.setFocus)
        QShortcut(QKeySequence.StandardKey.New, self, activated=lambda: self.new_action())
        state.changed.connect(self._on_changed)
        state.actor_changed.connect(lambda _: self._apply_permissions())
        self.reload()

    # ---- loading ---------------------------------------------------------------------------
    def _on_changed(self, changes: Changes) -> None:
        if changes.plan or changes.budget or changes.clinic:
            self.reload()
        elif changes.checklist or changes.catalogue:  # answers change which gaps exist, not the actions
            self._fill_gaps()

    def reload(self) -> None:
        ws = self.state.ws
        current = self.current_action()
        start_month = ws.settings.clinic.fiscal_year_start_month
        with collector_paused():
            rows = ws.plan.rows()
            self.model.load(rows, start_month)
        header = self.table.horizontalHeader()
        if header.sortIndicatorSection() >= 0:
            self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self._fill_choices(rows, start_month)
        self.proxy.refilter()
        self._fill_gaps()
        self.empty_label.setVisible(not rows)
        self._update_count()
        if current is not None:
            self.select_action(current.id)  # type: ignore[arg-type]
        self._show_lines()
        self._apply_permissions()

    def _fill_choices(self, rows: list[PlanRow], start_month: int) -> None:
        def refill(combo: QComboBox, all_label: str, choices: list[tuple[str, object]]) -> None:
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(all_label, None)
            for label, value in choices:
                combo.addItem(label, value)
            index = combo.findData(current)
            combo.setCurrentIndex(index if index >= 0 else 0)
            combo.blockSignals(False)

        owners = sorted({r.action.owner for r in rows if r.action.owner}, key=str.casefold)
        refill(self.owner_filter, tr("All owners"), [(o, o) for o in owners])
        years = sorted({y for r in rows for y in r.fiscal_years})
        refill(self.year_filter, tr("All fiscal years"), [(fiscal_year_label(y, start_month), y) for y in years])
        for combo in (self.owner_filter, self.status_filter, self.priority_filter, self.year_filter):
            combo.setMinimumContentsLength(len(combo.itemText(0)))  # the "All ..." label never cut
            combo.setMinimumWidth(combo.fontMetrics().horizontalAdvance(combo.itemText(0)) + 40)

    def _fill_gaps(self) -> None:
        ws = self.state.ws
        all_gaps = ws.plan.gaps()
        gaps = [g for g in all_gaps if not g.has_action]
        unassessed = sum(1 for r in ws.checklist.rows() if r.status is Status.NOT_ASSESSED)
        self.gaps_label.setText(tr("Gaps with no action: {n}", n=len(gaps)))
        self.gaps_list.clear()
        for gap in gaps:
            row = gap.row
            text = f"{row.item.id} — {pick(row.item.title)} ({row.status.label})"
            item = QListWidgetItem(text)
            item.setToolTip(text)
            item.setData(Qt.ItemDataRole.UserRole, row.item.id)
            self.gaps_list.addItem(item)
        # "every gap has its action" would sound like success on a clinic that assessed nothing yet
        if gaps:
            hint = ""
        elif not all_gaps and unassessed:
            hint = trn("No gap found yet: {n} recommendation is not assessed. Assess it in the "
                       "recommendations; each gap found will appear here.",
                       "No gap found yet: {n} recommendations are not assessed. Assess them in the "
                       "recommendations; each gap found will appear here.", unassessed)
        elif unassessed:
            hint = trn("Every gap found has an action; {n} recommendation is still to assess.",
                       "Every gap found has an action; {n} recommendations are still to assess.", unassessed)
        elif all_gaps:
            hint = tr("Every gap has an action.")
        else:
            hint = tr("No gap: every recommendation is compliant or not applicable.")
        if not self.model.rows:
            self.empty_label.setText(
                tr("No action yet: pick a gap on the right and click \"Create an action\", "
                   "or import your plan from Excel.") if gaps else
                tr("No action yet: each gap found in the recommendations can become an action in one click, "
                   "or import your plan from Excel."))
        self.gaps_list.setVisible(bool(gaps))
        self.gap_button.setVisible(bool(gaps))
        self.gaps_hint.setText(hint)
        self.gaps_hint.setVisible(bool(hint))
        self.to_checklist_button.setVisible(not gaps and unassessed > 0)

    def apply_filters(self) -> None:
        self.proxy.set_criteria(
            text=self.search.text(), owner=self.owner_filter.currentData(), status=self.status_filter.currentData(),
            priority=self.priority_filter.currentData(), fiscal_year=self.year_filter.currentData(),
            overdue=self.overdue_filter.isChecked(),
        )
        self._update_count()

    def _update_count(self) -> None:
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        overdue = self.model.overdue_count
        if shown == total:
            text = trn("{n} action", "{n} actions", total)
        else:
            text = tr("Actions shown: {shown} of {total}", shown=shown, total=total)
        if overdue:
            text += " — " + tr("{n} overdue", n=overdue)
        self.count_label.setText(text)

    def _apply_permissions(self) -> None:
        plan, budget = self.state.can(Permission.EDIT_PLAN), self.state.can(Permission.EDIT_BUDGET)
        has_action = self.current_action() is not None
        pick_action = (has_action, tr("Select an action in the table first."))
        pick_line = (self.current_line() is not None, tr("Select a budget line first."))
        for button in (self.new_button, self.gap_button):
            enable(button, why_not((plan, not_allowed())))
        enable(self.import_button, why_not((plan and budget, not_allowed())))
        enable(self.edit_button, why_not((plan, not_allowed()), pick_action))
        enable(self.delete_button, why_not((plan, not_allowed()), pick_action))
        enable(self.add_line_button, why_not((budget, not_allowed()), pick_action))
        enable(self.edit_line_button, why_not((budget, not_allowed()), pick_line))
        enable(self.delete_line_button, why_not((budget, not_allowed()), pick_line))

    # ---- selection -------------------------------------------------------------------------
    def current_action(self) -> Action | None:
        index = self.table.currentIndex()
        row = index.data(ROW_ROLE) if index.isValid() else None
        return row.action if row else None

    def current_line(self) -> BudgetLine | None:
        index = self.lines_table.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def select_action(self, action_id: int) -> bool:
        for proxy_row in range(self.proxy.rowCount()):
            index = self.proxy.index(proxy_row, 0)
            if index.data(ROW_ROLE).action.id == action_id:
                self.table.setCurrentIndex(index)
                self.table.scrollTo(index)
                return True
        return False

    def _show_lines(self) -> None:
        action = self.current_action()
        ws = self.state.ws
        self.lines_model.load(ws.plan.lines(action.id) if action else [], ws.settings.clinic.fiscal_year_start_month)
        self.lines_title.setText(tr("Budget lines of: {title}", title=action.title) if action
                                 else tr("Select an action to see its budget lines."))
        self._apply_permissions()

    def set_selected_item(self, item_id: str) -> None:
        self.selected_item = item_id

    # ---- changes ---------------------------------------------------------------------------
    def _run_dialog(self, dialog: QDialog, save) -> object | None:
        """Show the dialog until its values save or the user cancels; errors stay in the dialog."""
        while dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                values = dialog.values()
                try:
                    return save(values)
                except DurationNeedsConfirmation as question:  # the core's rule: asked once, here
                    answer = QMessageBox.question(self, "ClinicGuard", str(question))
                    if answer != QMessageBox.StandardButton.Yes:
                        dialog.error_label.setText(str(question))
                        continue
                    return save({**values, "confirm_duration": True})
            except ClinicGuardError as exc:
                dialog.error_label.setText(str(exc))
        return None

    def _owners(self) -> list[str]:
        return self.state.ws.people.names() + [r.action.owner for r in self.model.rows if r.action.owner]

    def new_action(self) -> Action | None:
        dialog = ActionDialog(self, owners=self._owners())
        action = self._run_dialog(dialog, lambda v: self.state.ws.plan.create_action(self.state.actor, **v))
        return self._after_action_change(action)

    def _create_from_selected_gap(self) -> None:
        item = self.gaps_list.currentItem()
        item_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        if item_id:
            self.create_from_gap(item_id)

    def create_from_gap(self, item_id: str | None) -> Action | None:
        """One click from a gap: an action prefilled from the catalogue's suggestion, then its quote."""
        if not item_id:
            return None
        ws = self.state.ws
        existing = next((g.action_ids for g in ws.plan.gaps() if g.row.item.id == item_id and g.has_action), ())
        if existing:
            titles = {a.id: a.title for a in ws.plan.actions()}
            answer = ask_existing_action(self, item_id, [titles.get(i, "") for i in existing])
            if answer == "open":
                self._show_action(existing[0])
                return None
            if answer != "create":
                return None
        try:
            draft = ws.plan.draft_from_gap(item_id)
        except ClinicGuardError as exc:
            QMessageBox.warning(self, "ClinicGuard", str(exc))
            return None
        hint = tr("Suggested by the catalogue: {band}. Priority suggested from the severity and the status.",
                  band=draft.cost_band) if draft.cost_band else ""
        dialog = ActionDialog(self, title=draft.title, description=draft.description, owner=draft.owner,
                              priority=draft.priority, item_ids=draft.item_ids, owners=self._owners(), hint=hint)
        action = self._run_dialog(dialog, lambda v: ws.plan.create_action(self.state.actor, **v))
        self._after_action_change(action)
        if action is not None and draft.suggested_amount_ht and self.state.can(Permission.EDIT_BUDGET):
            self.add_line(suggestion=draft)
        return action  # type: ignore[return-value]

    def edit_action(self) -> Action | None:
        current = self.current_action()
        if current is None or not self.state.can(Permission.EDIT_PLAN):
            return None
        dialog = ActionDialog(self, action=current, owners=self._owners())
        action = self._run_dialog(dialog, lambda v: self.state.ws.plan.update_action(self.state.actor, current.id, **v))
        return self._after_action_change(action)

    def delete_action(self) -> None:
        current = self.current_action()
        if current is None:
            return
        answer = QMessageBox.question(
            self, "ClinicGuard",
            tr("Delete the action \"{title}\" and its budget lines? The audit trail keeps what they were.",
               title=current.title))
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.state.ws.plan.delete_action(self.state.actor, current.id)  # type: ignore[arg-type]
        except ClinicGuardError as exc:
            QMessageBox.warning(self, "ClinicGuard", str(exc))
            return

    def _after_action_change(self, action) -> Action | None:
        if action is None:
            return None
        self._clear_filters_hiding(action)
        self.select_action(action.id)
        return action

    def _show_action(self, action_id: int) -> None:
        """Select an action, clearing the filters that hide it."""
        if not self.select_action(action_id):
            self.search.clear()
            for combo in (self.owner_filter, self.status_filter, self.priority_filter, self.year_filter):
                combo.setCurrentIndex(0)
            self.overdue_filter.setChecked(False)
            self.select_action(action_id)
        self.table.setFocus()

    def _clear_filters_hiding(self, action: Action) -> None:
        if not self.proxy.criteria:
            return
        rows = [r for r in self.model.rows if r.action.id == action.id]
        if rows and not filter_plan(rows, **{k: v for k, v in self.proxy.criteria.items() if k != "overdue"}):
            self.search.clear()
            for combo in (self.owner_filter, self.status_filter, self.priority_filter, self.year_filter):
                combo.setCurrentIndex(0)

    def add_line(self, suggestion: ActionDraft | None = None) -> BudgetLine | None:
        action = self.current_action()
        if action is None or not self.state.can(Permission.EDIT_BUDGET):
            return None
        ws = self.state.ws
        # dated today: the day the quote is entered (the user changes it for a later payment)
        dialog = BudgetLineDialog(self, vat_recoverable=ws.settings.clinic.vat_recoverable, suggestion=suggestion,
                                  evidence=ws.vault.store.all())
        line = self._run_dialog(dialog, lambda v: ws.plan.add_line(self.state.actor, action.id, **v))
        if line is not None:
            self.line_saved.emit(line.fiscal_year)  # type: ignore[union-attr]
        return line  # type: ignore[return-value]

    def edit_line(self) -> BudgetLine | None:
        current = self.current_line()
        if current is None or not self.state.can(Permission.EDIT_BUDGET):
            return None
        dialog = BudgetLineDialog(self, line=current, evidence=self.state.ws.vault.store.all())
        line = self._run_dialog(dialog, lambda v: self.state.ws.plan.update_line(self.state.actor, current.id, **v))
        if line is not None:
            self.line_saved.emit(line.fiscal_year)  # type: ignore[union-attr]
        return line  # type: ignore[return-value]

    def import_plan(self) -> object | None:
        dialog = ImportDialog(self.state, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.result_value

    def delete_line(self) -> None:
        current = self.current_line()
        if current is None:
            return
        answer = QMessageBox.question(self, "ClinicGuard", tr("Delete the budget line \"{label}\"?", label=current.label))
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.state.ws.plan.delete_line(self.state.actor, current.id)  # type: ignore[arg-type]
        except ClinicGuardError as exc:
            QMessageBox.warning(self, "ClinicGuard", str(exc))
            return

