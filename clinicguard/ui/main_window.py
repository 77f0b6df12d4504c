"""The main window: navigation on the left, the selected page on the right, and the clinic and
the signed-in person always visible at the top."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from clinicguard.model.errors import ClinicGuardError
from clinicguard.i18n import tr
from clinicguard.ui.state import AppState


def show_error(parent: QWidget | None, error: BaseException) -> None:
    """Show an error in the user's language; unexpected errors say so without a traceback."""
    if isinstance(error, ClinicGuardError):
        QMessageBox.warning(parent, "ClinicGuard", str(error))
    else:
        QMessageBox.critical(parent, "ClinicGuard",
                             tr("Something went wrong: {error}. Nothing that was saved has been lost.", error=error))


def page_factories():
    """The pages in navigation order: (key, title, factory(state) -> QWidget).

    Each feature adds its page here; a page's widget is built once, when the window opens.
    """
    from clinicguard.ui.checklist_view import ChecklistView
    from clinicguard.ui.dashboard_view import DashboardView
    from clinicguard.ui.budget_view import BudgetView
    from clinicguard.ui.evidence_view import EvidenceView
    from clinicguard.ui.plan_view import PlanView
    from clinicguard.ui.settings_view import SettingsView
    from clinicguard.ui.audit_view import AuditView
    from clinicguard.ui.people_view import PeopleView
    from clinicguard.ui.signoff_view import SignOffView

    return [
        ("dashboard", tr("Dashboard"), DashboardView),
        ("checklist", tr("Recommendations"), ChecklistView),
        ("plan", tr("Action plan"), PlanView),
        ("budget", tr("Budget"), BudgetView),
        ("evidence", tr("Evidence"), EvidenceView),
        ("signoff", tr("Sign-off"), SignOffView),
        ("journal", tr("Audit trail"), AuditView),
        ("people", tr("People"), PeopleView),
        ("settings", tr("Settings"), SettingsView),
    ]


class MainWindow(QMainWindow):
    def __init__(self, state: AppState, *, banner: str = ""):
        super().__init__()
        self.state = state
        self.setWindowTitle("ClinicGuard")
        self.resize(1280, 800)

        self.clinic_label = QLabel()
        self.clinic_label.setObjectName("clinicName")
        self.clinic_label.setStyleSheet("font-weight: bold; font-size: 15px;")
        self.person_label = QLabel()
        self.person_label.setObjectName("signedInPerson")
        self.switch_button = QToolButton(text=tr("Switch user"))
        self.switch_button.setVisible(False)
        header = QHBoxLayout()
        header.addWidget(self.clinic_label)
        header.addStretch(1)
        header.addWidget(self.person_label)
        header.addWidget(self.switch_button)

        self.banner = QLabel(banner)
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fff4ce; padding: 6px; border: 1px solid #e0c060;")
        self.banner.setVisible(bool(banner))

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName(tr("Navigation"))
        self.nav.setFixedWidth(200)
        self.stack = QStackedWidget()
        self.pages: dict[str, QWidget] = {}
        for key, title, factory in page_factories():
            widget = factory(state)
            widget.setObjectName(f"page-{key}")
            self.pages[key] = widget
            self.stack.addWidget(widget)
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)

        body = QHBoxLayout()
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addLayout(body, 1)
        self.setCentralWidget(central)

        # Alt+1..9 jump to a page, from anywhere
        for n in range(min(9, self.nav.count())):
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Alt+{n + 1}"))
            action.triggered.connect(lambda _=False, row=n: self.nav.setCurrentRow(row))
            self.addAction(action)

        # Excel exports (issue 5): File menu and Ctrl+E, from any page
        self.export_action = QAction(tr("Export to Excel…"), self)
        self.export_action.setObjectName("exportToExcel")
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(lambda: self.open_export_dialog())
        self.menuBar().addMenu(tr("&File")).addAction(self.export_action)

        dashboard = self.pages.get("dashboard")
        if dashboard is not None and hasattr(dashboard, "open_item"):
            dashboard.open_item.connect(self.open_recommendation)
            dashboard.start_review.connect(self.review_not_assessed)
            dashboard.evidence_box.open_evidence.connect(lambda: self.show_page("evidence"))
        evidence, checklist = self.pages.get("evidence"), self.pages.get("checklist")
        if evidence is not None and checklist is not None:  # files dropped on an item become its evidence
            from clinicguard.ui.evidence_view import checklist_links

            evidence.accept_drops_on(checklist.tree, checklist_links)
        plan = self.pages.get("plan")
        if evidence is not None and plan is not None:  # ... and on an action, its evidence
            from clinicguard.ui.evidence_view import plan_links

            evidence.accept_drops_on(plan.table, plan_links)
        plan, checklist = self.pages.get("plan"), self.pages.get("checklist")
        if plan is not None and checklist is not None:
            # "Create an action for this gap" in the checklist opens the plan on that gap
            checklist.item_selected.connect(plan.set_selected_item)
            checklist.plan_button.clicked.connect(lambda: self.show_page("plan").create_from_gap(plan.selected_item))
            plan.go_to_checklist.connect(lambda: self.show_page("checklist"))
        budget = self.pages.get("budget")
        if budget is not None:
            budget.go_to_plan.connect(lambda: self.show_page("plan"))
            budget.export_requested.connect(lambda: self.open_export_dialog("budget"))
        if evidence is not None and checklist is not None:  # the selected item's evidence, from the checklist
            checklist.attach_button.clicked.connect(lambda: self._current_item(evidence.attach_for_item))
            checklist.evidence_button.clicked.connect(lambda: self._current_item(self._show_item_evidence))

        self._show_catalogue_changes()
        state.actor_changed.connect(lambda _: self.refresh_header())
        state.changed.connect(lambda kind: kind == "settings" and self.refresh_header())
        self.refresh_header()
        self.nav.setCurrentRow(0)
        from clinicguard.ui.signin_dialog import SessionGuard

        self.session = SessionGuard(self)  # switch user, and lock after inactivity

    def _show_catalogue_changes(self) -> None:
        """Tell the user once what a catalogue upgrade changed."""
        history = self.state.ws.catalogue_versions
        upgrades = history.upgrades(unseen_only=True)
        if not upgrades:
            return
        lines = [self.banner.text()] if self.banner.text() else []
        for change in upgrades:
            parts = [tr("The recommendations catalogue moved from version {old} to {new}.",
                        old=change.from_version, new=change.to_version)]
            if change.added:
                parts.append(tr("New, to assess: {ids}.", ids=", ".join(change.added)))
            if change.changed:
                parts.append(tr("Reworded, worth re-reading: {ids}.", ids=", ".join(change.changed)))
            if change.removed:
                parts.append(tr("Withdrawn (answers kept, read-only): {ids}.", ids=", ".join(change.removed)))
            lines.append(" ".join(parts))
        self.banner.setText("\n".join(lines))
        self.banner.setVisible(True)
        history.mark_seen()

    def open_export_dialog(self, kind: str | None = None):
        """Open the export dialog on the workbook that fits the current page."""
        from clinicguard.ui.export_dialog import ExportDialog

        if kind is None:
            page = self.nav.currentItem().data(Qt.ItemDataRole.UserRole) if self.nav.currentItem() else ""
            kind = {"checklist": "checklist", "plan": "actions"}.get(page, "budget")
        dialog = ExportDialog(self.state, kind, self)
        dialog.open()
        return dialog

    def refresh_header(self) -> None:
        clinic = self.state.ws.settings.clinic
        self.clinic_label.setText(f"{clinic.name} — {clinic.structure.label}")
        actor = self.state.actor
        self.person_label.setText(tr("Signed in: {name} ({role})", name=actor.name, role=actor.role.label)
                                  if actor else tr("Not signed in"))

    def show_page(self, key: str) -> QWidget:
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.nav.setCurrentRow(row)
                break
        return self.pages[key]

    def _current_item(self, then) -> None:
        row = self.pages["checklist"].current_row()
        if row is not None:
            then(row.item.id)

    def _show_item_evidence(self, item_id: str) -> None:
        self.show_page("evidence").show_for_item(item_id)

    def review_not_assessed(self) -> None:
        view = self.show_page("checklist")
        view.clear_filters()
        view.status_filter.setCurrentIndex(view.status_filter.findData("not-assessed"))
        first = next((row.item.id for row in self.state.ws.checklist.rows() if row.status.value == "not-assessed"), None)
        if first:
            view.select_item(first)
        view.tree.setFocus()

    def open_recommendation(self, item_id: str) -> None:
        view = self.show_page("checklist")
        view.search.clear()
        view.status_filter.setCurrentIndex(0)
        view.select_item(item_id)
        view.tree.setFocus()
