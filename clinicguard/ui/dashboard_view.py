"""The dashboard: where the clinic stands, in ten seconds. Refreshes when the data changes."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from clinicguard.core.changes import Changes
from clinicguard.model.checklist import Status
from clinicguard.core.checklist import score_formula, summarize
from clinicguard.core.formatting import format_date
from clinicguard.i18n import pick, tr
from clinicguard.ui.backup_ui import BackupCard
from clinicguard.core.score_history import ANSWER_KIND, score_history
from clinicguard.ui.charts import DomainScoresChart, ScoreTrendChart
from clinicguard.ui.dashboard_cards import EvidenceFigures, PlanFigures, RegisterFigures
from clinicguard.ui.state import AppState

JOURNAL_ONLY = Changes(journal=True)  # a read or an export was recorded: nothing to show here


class DashboardView(QWidget):
    open_item = Signal(str)  # the user asks to open a recommendation in the checklist
    start_review = Signal()  # ... or to go through the recommendations not yet assessed
    open_evidence = Signal()  # ... or to see the evidence that expires
    open_registers = Signal(str)  # ... or a register (its kind) with a deadline or an expiry
    backup_requested = Signal()  # ... or to make a backup now

    def __init__(self, state: AppState, parent=None, *, deferred: bool = False):
        """`deferred`: fill the boxes below the fold (plan, evidence, registers, backups) only when
        finish_deferred() is called: the window does it once it has painted (issue 18)."""
        super().__init__(parent)
        self.state = state
        self.below_the_fold_pending = False
        content = QWidget()
        self.grid = QGridLayout(content)

        self.score_label = QLabel()
        self.score_label.setObjectName("overallScore")
        self.score_label.setStyleSheet("font-size: 40px; font-weight: bold;")
        self.formula_label = QLabel(score_formula())
        self.formula_label.setWordWrap(True)
        self.formula_label.setStyleSheet("color: #555;")
        overall = QGroupBox(tr("Overall compliance"))
        overall_layout = QVBoxLayout(overall)
        overall_layout.addWidget(self.score_label)
        self.trend_chart = ScoreTrendChart()
        self.trend_chart.setObjectName("scoreTrend")
        self.trend_chart.setMinimumHeight(120)
        overall_layout.addWidget(self.trend_chart)
        overall_layout.addWidget(self.formula_label)

        self.domains_box = QGroupBox(tr("By domain"))
        self.domains_layout = QVBoxLayout(self.domains_box)
        self.domains_chart = DomainScoresChart()
        self.domains_chart.setObjectName("domainScores")
        self.domains_layout.addWidget(self.domains_chart)

        self.counts_box = QGroupBox(tr("Recommendations by status"))
        self.counts_layout = QGridLayout(self.counts_box)
        self.count_labels: dict[str, QLabel] = {}
        for n, status in enumerate(Status):
            value = QLabel()
            value.setObjectName(f"count-{status.value}")
            self.count_labels[status.value] = value
            self.counts_layout.addWidget(QLabel(status.label), n, 0)
            self.counts_layout.addWidget(value, n, 1, alignment=Qt.AlignmentFlag.AlignRight)
        self.never_label = QLabel()
        self.counts_layout.addWidget(self.never_label, len(Status), 0, 1, 2)

        self.start_box = QGroupBox(tr("Where to begin"))
        start_layout = QVBoxLayout(self.start_box)
        self.start_list = QListWidget()
        self.start_list.setWordWrap(True)
        self.start_list.setAccessibleName(tr("Where to begin"))
        start_hint = QLabel(tr("The most serious gaps first: double-click one to answer it, or review every "
                               "recommendation not yet assessed."))
        start_hint.setWordWrap(True)
        self.review_button = QPushButton(tr("Review the recommendations not yet assessed"))
        self.review_button.clicked.connect(self.start_review.emit)
        start_layout.addWidget(start_hint)
        start_layout.addWidget(self.start_list)
        start_layout.addWidget(self.review_button)

        self.reviews_box = QGroupBox(tr("Reviews due in the next 30 days"))
        reviews_layout = QVBoxLayout(self.reviews_box)
        self.reviews_list = QListWidget()
        reviews_layout.addWidget(self.reviews_list)

        for widget in (self.start_list, self.reviews_list):
            widget.itemActivated.connect(self._activated)

        self.grid.addWidget(overall, 0, 0)
        self.grid.addWidget(self.domains_box, 0, 1)
        self.grid.addWidget(self.counts_box, 1, 0)
        self.grid.addWidget(self.start_box, 1, 1)
        self.grid.addWidget(self.reviews_box, 2, 0, 1, 2)
        self.plan_box = PlanFigures(state)
        self.evidence_box = EvidenceFigures(state)
        self.evidence_box.open_evidence.connect(self.open_evidence)
        self.grid.addWidget(self.plan_box, 3, 0)
        self.grid.addWidget(self.evidence_box, 3, 1)
        self.registers_box = RegisterFigures(state)
        self.registers_box.open_registers.connect(self.open_registers)
        self.grid.addWidget(self.registers_box, 4, 0, 1, 2)
        self.backup_box = BackupCard(state)
        self.backup_box.backup_requested.connect(self.backup_requested)
        self.grid.addWidget(self.backup_box, 5, 0, 1, 2)
        self.grid.setColumnStretch(0, 1)
        self.grid.setColumnStretch(1, 1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        # the dashboard sums up every part of the clinic but the journal itself
        state.changed.connect(lambda c: c != JOURNAL_ONLY and self.refresh())
        if deferred:
            self.refresh_summary()
            self.below_the_fold_pending = True
        else:
            self.refresh()

    def _activated(self, item: QListWidgetItem) -> None:
        item_id = item.data(Qt.ItemDataRole.UserRole)
        if item_id:  # placeholders ("no review due...") lead nowhere
            self.open_item.emit(item_id)

    def refresh(self) -> None:
        self.refresh_summary()
        self.refresh_below_the_fold()

    def finish_deferred(self) -> None:
        """Fill the boxes below the fold if they wait for it (see `deferred`)."""
        if self.below_the_fold_pending:
            self.refresh_below_the_fold()

    def refresh_below_the_fold(self) -> None:
        """The plan, evidence, registers and backup boxes (the plan's totals read every line)."""
        self.below_the_fold_pending = False
        self.plan_box.refresh()
        self.evidence_box.refresh()
        self.registers_box.refresh()
        self.backup_box.refresh()

    def refresh_summary(self) -> None:
        """The score, its charts, the counts by status, where to begin and the reviews due."""
        ws = self.state.ws
        rows = ws.checklist.rows()
        summary = summarize(rows)
        self.score_label.setText(summary.overall.text)
        for status, label in self.count_labels.items():
            label.setText(str(summary.overall.counts[status]))
        self.never_label.setText(tr("{n} recommendations never assessed", n=summary.never_assessed))
        self.review_button.setVisible(summary.never_assessed > 0)

        self.domains_chart.set_scores([(pick(domain.title), summary.by_domain[domain.id].percent)
                                       for domain in ws.catalogue.domains if domain.id in summary.by_domain])
        history = score_history(rows, ws.audit.search(kind=ANSWER_KIND))
        self.trend_chart.set_points([(p.day, p.percent) for p in history])

        # the most severe gaps first: not compliant, then not assessed, then partly compliant
        order = {Status.NON_COMPLIANT: 0, Status.NOT_ASSESSED: 1, Status.PARTIAL: 2}
        gaps = sorted((r for r in rows if r.status in order), key=lambda r: (-r.item.severity, order[r.status], r.item.id))
        self.start_list.clear()
        if not gaps and rows:
            self.start_list.addItem(tr("No gap left: keep the review dates up to date."))
        for row in gaps[:8]:
            item = QListWidgetItem(f"{row.item.id} — {pick(row.item.title)} ({row.status.label}, "
                                   f"{tr('severity')} {row.item.severity})")
            item.setData(Qt.ItemDataRole.UserRole, row.item.id)
            self.start_list.addItem(item)

        self.reviews_list.clear()
        for row in summary.overdue_reviews + summary.reviews_due:
            late = row in summary.overdue_reviews
            text = f"{format_date(row.assessment.next_review)} — {row.item.id} — {pick(row.item.title)}"
            item = QListWidgetItem(tr("Overdue: {text}", text=text) if late else text)
            item.setData(Qt.ItemDataRole.UserRole, row.item.id)
            if late:
                item.setForeground(Qt.GlobalColor.darkRed)
            self.reviews_list.addItem(item)
        if not summary.overdue_reviews and not summary.reviews_due:
            self.reviews_list.addItem(tr("No review due in the next 30 days."))
        self.reviews_box.setToolTip(escape(tr("Set a next-review date on each recommendation to be reminded here.")))
