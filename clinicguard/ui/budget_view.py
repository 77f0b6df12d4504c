"""The budget page: per fiscal year, totals by category, nature, quarter and action status,
planned against actual, what the rest of the plan will cost and the real cost to the clinic.
Also the plan figures the dashboard shows."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from clinicguard.model.plan import ActionStatus
from clinicguard.core.budget import BudgetSummary, Totals, YearEntry, accounting_warnings, entry_real_cost, year_views
from clinicguard.model.accounts import account_label
from clinicguard.model.budget import Category, Nature
from clinicguard.core.formatting import format_date, format_money
from clinicguard.i18n import tr
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.people import Permission
from clinicguard.ui.invoice_fields import YearInvoiceDialog
from clinicguard.ui.purchase_journal_dialog import PurchaseJournalDialog
from clinicguard.ui.charts import PlannedActualChart
from clinicguard.ui.columns import fit_columns
from clinicguard.ui.state import AppState
from clinicguard.ui.table_model import RowsTableModel

ALERT = QColor("#b3261e")
ALERT_BACKGROUND = QColor("#fde7e7")


def _money(cents: int | None) -> str:
    return "" if cents is None else format_money(cents)


def quarter_label(n: int) -> str:
    """Q1..Q4, T1..T4 in French (trimestre), as in the budget workbook."""
    return tr("Q{n}", n=n)


class TotalsModel(RowsTableModel):
    """One row per group (a category, a nature, a quarter, an action status) and a total row."""

    COLUMNS = ("group", "planned_ht", "planned_ttc", "committed_ht", "actual_ht", "actual_ttc", "variance_ht",
               "remaining_real", "forecast_real")
    rows: list[tuple[str, Totals]]

    def __init__(self, parent=None):
        super().__init__(["", tr("Planned excl. VAT"), tr("Planned incl. VAT"), tr("Committed excl. VAT"),
                          tr("Actual excl. VAT"), tr("Actual incl. VAT"), tr("Variance"), tr("Still to pay"),
                          tr("Real cost")], parent)

    def load(self, rows: list[tuple[str, Totals]], total: Totals) -> None:
        self.set_rows([r for r in rows if r[1].lines] + [(tr("Total"), total)])

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        label, totals = self.rows[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return label if column == "group" else _money(getattr(totals, column))
        if role == Qt.ItemDataRole.TextAlignmentRole and column != "group":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and index.row() == len(self.rows) - 1:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column == "variance_ht" and totals.variance_ht > 0:
            return QBrush(ALERT)
        return None


class YearLinesModel(RowsTableModel):
    """The year's budget lines; over-budget lines and lines of overdue actions stand out."""

    COLUMNS = ("action", "label", "supplier", "category", "account", "quarter", "planned_ht", "committed_ht",
               "actual_ht", "variance", "real")
    rows: list[YearEntry]

    def __init__(self, parent=None):
        super().__init__([tr("Action"), tr("Label"), tr("Supplier"), tr("Category"), tr("Account"),
                          tr("Quarter"), tr("Planned excl. VAT"), tr("Committed excl. VAT"), tr("Actual excl. VAT"), tr("Variance"),
                          tr("Real cost")], parent)
        self.titles: dict[int, str] = {}
        self.overdue: set[int] = set()

    @property
    def entries(self) -> list[YearEntry]:
        return self.rows

    def load(self, entries, titles: dict[int, str], overdue: set[int]) -> None:
        self.titles, self.overdue = titles, overdue
        self.set_rows(list(entries))

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        entry = self.rows[index.row()]
        line = entry.line
        column = self.COLUMNS[index.column()]
        over = entry.over_budget
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "action":
                return self.titles.get(line.action_id, "")
            if column == "label":
                return line.label + (" ↻" if line.recurring else "")
            if column == "supplier":
                return line.supplier
            if column == "category":
                return Category(line.category).label
            if column == "account":
                return line.booked_account + (" ⚠" if accounting_warnings(line) else "")
            if column == "quarter":
                return quarter_label(entry.quarter)
            if column == "variance":
                return _money(entry.variance_ht)
            if column == "real":
                return _money(entry_real_cost(entry) if entry.actual_ht is not None or entry.remaining_ht is not None
                              else None)
            return _money(getattr(entry, column))
        if role == Qt.ItemDataRole.TextAlignmentRole and column not in ("action", "label", "supplier", "category"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and over:
            return QBrush(ALERT_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole and column == "action" and line.action_id in self.overdue:
            return QBrush(ALERT)
        if role == Qt.ItemDataRole.ToolTipRole:
            notes = []
            if over:
                notes.append(tr("Over budget"))
            if line.action_id in self.overdue:
                notes.append(tr("Action overdue"))
            if column == "account":
                notes.append(f"{line.booked_account} {account_label(line.booked_account)}".strip())
            notes += accounting_warnings(line)
            if line.recurring and entry.fiscal_year != line.fiscal_year:
                notes.append(tr("Double-click to type this year's own invoice."))
            return " — ".join(notes) or None
        return None


class BudgetView(QWidget):
    go_to_plan = Signal()  # the main window shows the action plan, where budget lines are added
    export_requested = Signal()  # the main window opens its export dialog on the budget workbook

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self.summary: BudgetSummary | None = None
        self.year_choice = QComboBox()
        self.year_choice.setAccessibleName(tr("Fiscal year"))
        self.period_label = QLabel()
        self.export_button = QPushButton(tr("Export the budget…"))
        self.export_button.setToolTip(tr("Save the budget as an Excel workbook for your accountant."))
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("Fiscal year")))
        top.addWidget(self.year_choice)
        top.addWidget(self.period_label)
        top.addStretch(1)
        top.addWidget(self.export_button)
        self.journal_button = QPushButton(tr("Purchase journal (CSV)…"))
        self.journal_button.setToolTip(tr("The file your accountant's software imports: one entry per invoice "
                                          "(an import file, not the legal FEC)."))
        # On a row of its own: beside the workbook's button the page would not fit a 1024-pixel window.
        journal_row = QHBoxLayout()
        journal_row.addStretch(1)
        journal_row.addWidget(self.journal_button)

        self.figures: dict[str, QLabel] = {}
        figures_box = QGroupBox(tr("This fiscal year"))
        grid = QGridLayout(figures_box)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        names = [
            ("planned", tr("Planned (excl. / incl. VAT)")), ("committed", tr("Committed excl. VAT")),
            ("actual", tr("Actual (excl. / incl. VAT)")), ("variance", tr("Variance on invoiced lines")),
            ("remaining", tr("Still to pay (real cost)")), ("real", tr("Cash view: paid in the year")),
            ("charges", tr("Charges view: the year's expenses")),
            ("over", tr("Over-budget lines")), ("overdue", tr("Overdue actions")),
            ("prepaid", tr("Prepaid at year end")),
        ]
        for n, (key, label) in enumerate(names):
            value = QLabel()
            value.setObjectName(f"budget-{key}")
            value.setStyleSheet("font-weight: bold;")
            self.figures[key] = value
            name = QLabel(label)
            name.setWordWrap(True)  # two lines rather than a window wider than the screen (1024 px)
            name.setMinimumWidth(min(name.sizeHint().width(), 160))
            grid.addWidget(name, n // 2, (n % 2) * 2)
            grid.addWidget(value, n // 2, (n % 2) * 2 + 1)
        self.vat_note = QLabel()
        self.vat_note.setWordWrap(True)
        self.vat_note.setStyleSheet("color: #555;")
        grid.addWidget(self.vat_note, 5, 0, 1, 4)

        self.tabs = QTabWidget()
        self.group_models: dict[str, TotalsModel] = {}
        for key, title in (("category", tr("By category")), ("nature", tr("By nature")),
                           ("quarter", tr("By quarter")), ("status", tr("By action status"))):
            model = TotalsModel(self)
            self.group_models[key] = model
            self.tabs.addTab(self._table(model), title)
        self.lines_model = YearLinesModel(self)
        self.lines_table = self._table(self.lines_model)
        self.lines_table.setSortingEnabled(False)
        self.tabs.addTab(self.lines_table, tr("Budget lines"))
        # planned against actual, drawn; the "By quarter" and "By category" tabs give the figures
        self.quarter_chart = PlannedActualChart(tr("Planned and actual by quarter"))
        self.category_chart = PlannedActualChart(tr("Planned and actual by category"))
        charts = QWidget()
        charts.setObjectName("budgetCharts")
        charts_layout = QHBoxLayout(charts)
        charts_layout.addWidget(self.quarter_chart, 1)
        charts_layout.addWidget(self.category_chart, 1)
        self.tabs.insertTab(0, charts, tr("Chart"))
        self.tabs.setCurrentIndex(0)

        self.empty_label = QLabel(tr("No budget line for this fiscal year yet. A budget line belongs to an action: "
                                     "open the action plan, select an action (or create one from a gap) and click "
                                     "\"Add a budget line\" to enter its quote."))
        self.empty_label.setWordWrap(True)
        self.plan_button = QPushButton(tr("Open the action plan"))
        empty_row = QHBoxLayout()
        empty_row.addWidget(self.empty_label, 1)
        empty_row.addWidget(self.plan_button, 0, Qt.AlignmentFlag.AlignTop)
        self.empty_box = QWidget()
        self.empty_box.setLayout(empty_row)
        empty_row.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(journal_row)
        layout.addWidget(figures_box)
        layout.addWidget(self.empty_box)
        layout.addWidget(self.tabs, 1)

        self.plan_button.clicked.connect(self.go_to_plan)
        self.export_button.clicked.connect(self.export_requested)
        self.journal_button.clicked.connect(lambda: self.open_purchase_journal())
        self.lines_table.doubleClicked.connect(lambda index: self.edit_year_invoice(self.lines_model.rows[index.row()]))
        self.year_choice.currentIndexChanged.connect(lambda _: self.show_year())
        state.changed.connect(lambda c: (c.budget or c.plan or c.clinic) and self.reload())
        self.reload()

    def current_year(self) -> int | None:
        """The fiscal year shown (the export dialog opens on it)."""
        return self.year_choice.currentData()

    @staticmethod
    def _table(model) -> QTableView:
        table = QTableView()
        table.setModel(model)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().setVisible(False)
        money = [format_money(88_888_888)]  # 888 888,88 €; larger totals widen the column when shown
        if isinstance(model, YearLinesModel):
            fit_columns(table, stretch=1, widths={0: 150, 2: 100},
                        samples={3: [c.label for c in Category], **{c: money for c in range(5, model.columnCount())}},
                        optional=(2, 4, 7, 9, 0))  # supplier, account, committed, variance, action
        else:  # headers such as "Engagé HT" and the money never cut; incl. VAT and committed first to go
            fit_columns(table, stretch=0, samples={c: money for c in range(1, model.columnCount())},
                        optional=(2, 5, 3), min_stretch=160)
        return table

    @staticmethod
    def _widen_for_money(table: QTableView) -> None:
        """A column never narrower than its widest figure: money is never cut ("1 250,5…")."""
        model, metrics = table.model(), table.fontMetrics()
        bold = QFont(table.font())
        bold.setBold(True)
        bold_metrics = QFontMetrics(bold)
        for column in range(model.columnCount()):
            if table.horizontalHeader().sectionResizeMode(column) == QHeaderView.ResizeMode.Stretch:
                continue
            if not model.rowCount() or not int(model.index(0, column).data(Qt.ItemDataRole.TextAlignmentRole) or 0) \
                    & int(Qt.AlignmentFlag.AlignRight):
                continue  # text columns elide (whole in the tooltip); only figures must show whole
            widest = max((max(metrics.horizontalAdvance(str(model.index(r, column).data() or "")),
                              bold_metrics.horizontalAdvance(str(model.index(r, column).data() or "")))
                          for r in range(model.rowCount())), default=0) + 16
            if widest > table.columnWidth(column):
                table.setColumnWidth(column, widest)

    def reload(self) -> None:
        ws = self.state.ws
        current = self.year_choice.currentData()
        self._summaries = {s.fiscal_year: s for s in ws.plan.summaries()}
        self.year_choice.blockSignals(True)
        self.year_choice.clear()
        for year, summary in sorted(self._summaries.items()):
            self.year_choice.addItem(summary.label, year)
        wanted = current if current in self._summaries else ws.plan.current_fiscal_year()
        self.year_choice.setCurrentIndex(max(0, self.year_choice.findData(wanted)))
        self.year_choice.blockSignals(False)
        self.show_year()

    def show_year(self, year: int | None = None) -> None:
        if year is not None:
            index = self.year_choice.findData(year)
            if index >= 0:
                self.year_choice.setCurrentIndex(index)
            return
        year = self.year_choice.currentData()
        summary = self._summaries.get(year)
        if summary is None:
            return
        self.summary = summary
        ws = self.state.ws
        start, end = summary.bounds
        self.period_label.setText(tr("from {start} to {end}", start=format_date(start), end=format_date(end)))
        t = summary.total
        f = self.figures
        f["planned"].setText(f"{_money(t.planned_ht)} / {_money(t.planned_ttc)}")
        f["committed"].setText(_money(t.committed_ht))
        f["actual"].setText(f"{_money(t.actual_ht)} / {_money(t.actual_ttc)}")
        f["variance"].setText(_money(t.variance_ht))
        f["variance"].setStyleSheet("font-weight: bold;" + (" color: #b3261e;" if t.variance_ht > 0 else ""))
        f["remaining"].setText(_money(t.remaining_real))
        views = year_views(summary, ws.plan.lines(), {a.id: a.status for a in ws.plan.actions()})
        f["real"].setText(_money(views.cash))
        f["charges"].setText(_money(views.charges))
        f["over"].setText(str(len(summary.over_budget)))
        f["over"].setStyleSheet("font-weight: bold;" + (" color: #b3261e;" if summary.over_budget else ""))
        actions = ws.plan.actions()
        overdue = {a.id for a in actions if a.is_overdue(date.today())}
        f["overdue"].setText(str(len(overdue)))
        f["overdue"].setStyleSheet("font-weight: bold;" + (" color: #b3261e;" if overdue else ""))
        f["prepaid"].setText(_money(views.prepaid))
        self.vat_note.setText(tr("Real cost: excl. VAT plus the VAT not deducted (incl. VAT when none is deducted). It "
                                 "adds what was invoiced and what is still to pay (signed quote, else planned)."))
        self.vat_note.setText(self.vat_note.text() + " " + tr(
            "Cash view: every payment of the year, investments at their full price. Charges view: running costs, "
            "plus this year's depreciation of the invoiced assets ({depreciation}), plus investments without a "
            "depreciation period ({undepreciated}).", depreciation=_money(views.depreciation),
            undepreciated=_money(views.undepreciated)))
        if views.prepaid or views.carried_in:
            self.vat_note.setText(self.vat_note.text() + " " + tr(
                "The charges view leaves out the part of running costs paid for after the year end ({prepaid}) and "
                "adds the part of last year's paid for this year ({carried_in}).", prepaid=_money(views.prepaid),
                carried_in=_money(views.carried_in)))
        self.group_models["category"].load([(Category(k).label, v) for k, v in summary.by_category.items()], t)
        self.group_models["nature"].load([(Nature(k).label, v) for k, v in summary.by_nature.items()], t)
        self.group_models["quarter"].load([(quarter_label(k), v) for k, v in summary.by_quarter.items()], t)
        self.group_models["status"].load(
            [(ActionStatus(k).label, summary.by_action_status[k]) for k in (s.value for s in ActionStatus)
             if k in summary.by_action_status], t)
        self.lines_model.load(summary.entries, {a.id: a.title for a in actions}, overdue)  # type: ignore[misc]
        for index in range(self.tabs.count()):
            if isinstance(self.tabs.widget(index), QTableView):
                self._widen_for_money(self.tabs.widget(index))  # type: ignore[arg-type]
        self.quarter_chart.set_groups([(quarter_label(k), v.planned_ht, v.actual_ht or 0)
                                       for k, v in sorted(summary.by_quarter.items())])
        self.category_chart.set_groups([(Category(k).label, v.planned_ht, v.actual_ht or 0)
                                        for k, v in summary.by_category.items() if v.lines])
        self.empty_box.setVisible(not summary.entries)


    def edit_year_invoice(self, entry: YearEntry):
        """A recurring line in a later fiscal year: its own invoice of that year (double-click)."""
        line = entry.line
        if not line.recurring or entry.fiscal_year == line.fiscal_year or self.summary is None:
            return None
        if not self.state.can(Permission.EDIT_BUDGET):
            return None
        dialog = YearInvoiceDialog(line, entry.fiscal_year, self.summary.label, self)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                return self.state.ws.plan.set_year_invoice(self.state.actor, line.id, entry.fiscal_year,
                                                           **dialog.values())
            except ClinicGuardError as exc:
                dialog.error_label.setText(str(exc))
        return None

    def open_purchase_journal(self) -> PurchaseJournalDialog:
        dialog = PurchaseJournalDialog(self.state, self.year_choice.currentData(), self)
        dialog.exec()
        return dialog


