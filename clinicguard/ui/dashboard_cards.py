"""The dashboard's boxes that sum up the plan, the evidence and the registers: kept apart from
those pages' modules, so that the window's first paint (the dashboard) does not load their
tables, dialogs and workbook code (issue 18)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

from clinicguard.core.formatting import format_date, format_money
from clinicguard.core.registers import countdown_text, format_moment
from clinicguard.i18n import tr, trn
from clinicguard.model.budget import fiscal_year_label
from clinicguard.model.evidence import EXPIRY_WARNING_DAYS
from clinicguard.model.registers import RegisterKind
from clinicguard.ui.state import AppState


class PlanFigures(QGroupBox):
    """The dashboard's plan box: overdue actions, actions due within 30 days, budget used this year."""

    def __init__(self, state: AppState, parent=None):
        super().__init__(tr("Action plan"), parent)
        self.state = state
        grid = QGridLayout(self)
        self.overdue_label = QLabel()
        self.overdue_label.setObjectName("plan-overdue")
        self.due_label = QLabel()
        self.due_label.setObjectName("plan-due-soon")
        self.budget_label = QLabel()
        self.budget_label.setObjectName("plan-budget-used")
        self.budget_label.setWordWrap(True)
        for n, (text, value) in enumerate(((tr("Overdue actions"), self.overdue_label),
                                           (tr("Actions due within 30 days"), self.due_label),
                                           (tr("Budget used this fiscal year"), self.budget_label))):
            value.setStyleSheet("font-weight: bold;")
            grid.addWidget(QLabel(text), n, 0)
            grid.addWidget(value, n, 1)

    def refresh(self) -> None:
        plan = self.state.ws.plan
        today = date.today()
        standing = plan.standing(today)  # counts and totals in one pass, without building every action
        self.overdue_label.setText(str(standing.overdue))
        self.overdue_label.setStyleSheet("font-weight: bold;" + (" color: #b3261e;" if standing.overdue else ""))
        self.due_label.setText(str(standing.due_soon))
        year = plan.current_fiscal_year(today)
        t, label = standing.totals[year], fiscal_year_label(year, standing.start_month)
        if t.planned_real:
            percent = round(100 * t.actual_real / t.planned_real)
            text = tr("{used} of {planned} ({percent} %), real cost, fiscal year {year}", used=format_money(t.actual_real),
                      planned=format_money(t.planned_real), percent=percent, year=label)
        else:
            text = tr("{used} spent, fiscal year {year} (no budget planned)", used=format_money(t.actual_real),
                      year=label)
        self.budget_label.setText(text)


class EvidenceFigures(QGroupBox):
    """The dashboard's evidence box: items without evidence, evidence expiring soon or expired."""

    open_evidence = Signal()

    def __init__(self, state: AppState, parent=None):
        super().__init__(tr("Evidence"), parent)
        self.state = state
        layout = QVBoxLayout(self)
        self.without_label = QLabel()
        self.without_label.setObjectName("evidence-missing")
        self.without_label.setWordWrap(True)
        self.expiry_list = QListWidget()
        self.expiry_list.setObjectName("evidence-expiry")
        self.expiry_list.setWordWrap(True)
        self.expiry_list.setMaximumHeight(110)
        self.expiry_list.itemActivated.connect(lambda _item: self.open_evidence.emit())
        layout.addWidget(self.without_label)
        layout.addWidget(self.expiry_list)

    def refresh(self) -> None:
        summary = self.state.ws.vault.summary()
        without = summary["items_without_evidence"]
        self.without_label.setText(trn("{n} applicable recommendation has no evidence yet; {files} in the vault.",
                                       "{n} applicable recommendations have no evidence yet; {files} in the vault.",
                                       len(without), files=trn("{n} file", "{n} files", summary["evidence_files"])))
        self.expiry_list.clear()
        for ev in summary["evidence_expired"]:
            item = QListWidgetItem(tr("Expired on {date}: {title}", date=format_date(ev["expires_on"]), title=ev["title"]))
            item.setForeground(Qt.GlobalColor.darkRed)
            self.expiry_list.addItem(item)
        for ev in summary[f"evidence_expiring_{EXPIRY_WARNING_DAYS}_days"]:
            self.expiry_list.addItem(tr("Expires on {date}: {title}", date=format_date(ev["expires_on"]), title=ev["title"]))
        if not self.expiry_list.count():
            self.expiry_list.addItem(tr("No evidence expires within {n} days.", n=EXPIRY_WARNING_DAYS))


def summary_text(summary) -> str:
    parts = [trn("{n} processing activity", "{n} processing activities", summary.processing),
             trn("{n} processor", "{n} processors", summary.processors),
             trn("{n} incident", "{n} incidents", summary.incidents),
             trn("{n} training session", "{n} training sessions", summary.trainings)]
    return " · ".join(parts)


class RegisterFigures(QGroupBox):
    """The dashboard's registers box: CNIL deadlines running, contracts and HDS certificates
    ending within 60 days, incomplete contracts, people without recent training."""

    open_registers = Signal(str)

    def __init__(self, state: AppState, parent=None):
        super().__init__(tr("Registers"), parent)
        self.state = state
        layout = QGridLayout(self)
        self.counts_label = QLabel()
        self.counts_label.setWordWrap(True)
        self.alerts = QListWidget()
        self.alerts.setObjectName("register-alerts")
        self.alerts.setWordWrap(True)
        self.alerts.setMaximumHeight(140)
        self.alerts.itemActivated.connect(
            lambda item: self.open_registers.emit(item.data(Qt.ItemDataRole.UserRole) or "processing"))
        layout.addWidget(self.counts_label, 0, 0)
        layout.addWidget(self.alerts, 1, 0)

    def refresh(self) -> None:
        registers = self.state.ws.registers
        summary = registers.summary()
        now = registers.now()
        self.counts_label.setText(summary_text(summary))
        self.alerts.clear()

        def add(text: str, kind: RegisterKind, late: bool = False) -> None:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, kind.value)
            if late:
                item.setForeground(Qt.GlobalColor.darkRed)
            self.alerts.addItem(item)

        for incident in summary.open_incidents:
            if incident.cnil_pending:
                add(tr("Incident “{title}”: CNIL deadline {when} ({left})", title=incident.title,
                       when=format_moment(incident.cnil_deadline), left=countdown_text(incident.cnil_deadline, now)),
                    RegisterKind.INCIDENT, incident.cnil_overdue(now))
            if incident.ars_pending:
                add(tr("Incident “{title}”: to report to the ARS without delay", title=incident.title),
                    RegisterKind.INCIDENT, True)
        for e in summary.expiring:
            add(tr("{what} of {name} ends on {date}", what=e.label, name=e.processor, date=format_date(e.on)),
                RegisterKind.PROCESSOR, e.on < now.date().isoformat())
        for p in summary.incomplete_contracts:
            add(tr("Contract of {name}: art. 28(3) clauses missing ({letters})", name=p.name,
                   letters=", ".join(p.missing_clauses)), RegisterKind.PROCESSOR)
        if summary.untrained:
            add(trn("{n} person without training in the last {months} months: {names}",
                    "{n} people without training in the last {months} months: {names}", len(summary.untrained),
                    months=summary.training_months,
                    names=", ".join(summary.untrained)), RegisterKind.TRAINING)
        if summary.without_charter:
            add(trn("{n} person has not acknowledged the IT charter {version}: {names}",
                    "{n} people have not acknowledged the IT charter {version}: {names}", len(summary.without_charter),
                    version=summary.charter_version, names=", ".join(summary.without_charter)), RegisterKind.TRAINING)
        if not summary.processing:
            add(tr("The processing register is empty: every health structure must keep one (GDPR art. 30(5))."),
                RegisterKind.PROCESSING, True)
        if not self.alerts.count():
            self.alerts.addItem(tr("Nothing due in the registers."))
