"""The main window: navigation on the left, the selected page on the right, and the clinic and
the signed-in person always visible at the top."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from clinicguard.core.changes import Changes
from clinicguard.core.logs import log_dir
from clinicguard.model.evidence import StartupReport
from clinicguard.i18n import tr
from clinicguard.ui import ops
from clinicguard.ui.audit_view import AuditView
from clinicguard.ui.budget_view import BudgetView
from clinicguard.ui.checklist_view import ChecklistView
from clinicguard.ui.dashboard_view import DashboardView
from clinicguard.ui.evidence_view import EvidenceView, checklist_links, plan_links
from clinicguard.ui.export_dialog import ExportDialog
from clinicguard.ui.people_view import PeopleView
from clinicguard.ui.plan_view import PlanView
from clinicguard.ui.settings_view import SettingsView
from clinicguard.ui.signin_dialog import SessionGuard
from clinicguard.ui.signoff_view import SignOffView
from clinicguard.ui.state import AppState

log = logging.getLogger(__name__)

EXTERNAL_POLL_MS = 1000  # changes made by the CLI or a script show within about a second


def page_factories():
    """The pages in navigation order: (key, title, factory(state) -> QWidget).

    Each feature adds its page here; a page's widget is built once, when the window opens.
    """
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
    def __init__(self, state: AppState, *, banner: str = "", keep_together: Sequence[str] = ()):
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

        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self._keep_together = [k for k in keep_together if k]
        self.set_banner(banner)

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
        file_menu = self.menuBar().addMenu(tr("&File"))
        file_menu.addAction(self.export_action)
        # for the clinic's IT provider: the technical log (errors and their tracebacks)
        self.log_folder_action = QAction(tr("Open the log folder"), self)
        self.log_folder_action.setObjectName("openLogFolder")
        self.log_folder_action.triggered.connect(self.open_log_folder)
        self.menuBar().addMenu(tr("&Help")).addAction(self.log_folder_action)

        self._connect_pages()
        self._show_catalogue_changes()
        state.actor_changed.connect(lambda _: self.refresh_header())
        state.changed.connect(lambda changes: changes.clinic and self.refresh_header())
        self.refresh_header()
        self.nav.setCurrentRow(0)
        self.session = SessionGuard(self)  # switch user, and lock after inactivity

        # What another process (the CLI, a script) committed shows here too.
        self.external_timer = QTimer(self)
        self.external_timer.setInterval(EXTERNAL_POLL_MS)
        self.external_timer.timeout.connect(self.poll_external_changes)
        self.external_timer.start()
        self._vault_checked = False

    def _connect_pages(self) -> None:
        """Pages never call each other: they ask, by a signal, and the window does it."""
        pages = self.pages
        dashboard, checklist, plan = pages["dashboard"], pages["checklist"], pages["plan"]
        evidence, budget = pages["evidence"], pages["budget"]
        dashboard.open_item.connect(self.open_recommendation)
        dashboard.start_review.connect(self.review_not_assessed)
        dashboard.open_evidence.connect(lambda: self.show_page("evidence"))
        # files dropped on an item become its evidence; on an action, its evidence
        evidence.accept_drops_on(checklist.tree, checklist_links)
        evidence.accept_drops_on(plan.table, plan_links)
        # "Create an action for this gap" in the checklist opens the plan on that gap
        checklist.item_selected.connect(plan.set_selected_item)
        checklist.plan_requested.connect(lambda item_id: self.show_page("plan").create_from_gap(item_id))
        plan.go_to_checklist.connect(lambda: self.show_page("checklist"))
        plan.line_saved.connect(budget.show_year)  # the budget page moves to where the line landed
        budget.go_to_plan.connect(lambda: self.show_page("plan"))
        budget.export_requested.connect(lambda: self.open_export_dialog("budget"))
        # the selected item's evidence, from the checklist
        checklist.attach_requested.connect(evidence.attach_for_item)
        checklist.evidence_requested.connect(lambda item_id: self.show_page("evidence").show_for_item(item_id))

    # ---- background work and changes ---------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self._vault_checked:
            self._vault_checked = True
            QTimer.singleShot(0, self.check_vault)

    def check_vault(self) -> ops.Operation | None:
        """The vault's start-up check (repairs what a crash left), off the UI thread once the
        window is on screen; the evidence page says what it found."""
        if not self.isVisible():  # closed before it came to run
            return None
        return ops.Operation(self, self.state.ws.vault.check, success=self._vault_checked_report) \
            .with_progress(tr("Checking the evidence vault…")).run()

    def _vault_checked_report(self, report: StartupReport) -> None:
        self.pages["evidence"].show_startup_report(report)
        self.state.broadcast(Changes(evidence=True))

    def poll_external_changes(self) -> Changes:
        """Broadcast what another process committed since the last look."""
        if ops.running():
            return Changes()  # an operation may be using the database connection
        changes = self.state.ws.external_changes.poll()
        if changes:
            log.info("changes from another process: %s", changes)
            self.state.broadcast(changes)
        return changes

    def closeEvent(self, event) -> None:  # noqa: N802
        """Wait for the work still running (an export, an encryption) before the window goes."""
        self.external_timer.stop()
        ops.drain()
        self.state.detach()
        super().closeEvent(event)

    def open_log_folder(self) -> None:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _show_catalogue_changes(self) -> None:
        """Tell the user once what a catalogue upgrade changed."""
        history = self.state.ws.catalogue_versions
        upgrades = history.upgrades(unseen_only=True)
        if not upgrades:
            return
        lines = [self.banner_text] if self.banner_text else []
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
        self.set_banner("\n".join(lines))
        history.mark_seen()

    def set_banner(self, text: str) -> None:
        """Show a message above the pages (plain text); the `keep_together` parts (a password, a
        PIN) are never broken across two lines, so they can be read and typed as they are."""
        self.banner_text = text
        shown = html.escape(text)
        for part in sorted(self._keep_together, key=len, reverse=True):
            # Qt breaks after a hyphen even in <nobr>: a word joiner (invisible) forbids it
            joined = html.escape(part).replace("-", "-\u2060")
            shown = shown.replace(html.escape(part), f"<nobr>{joined}</nobr>")
        self.banner.setText(shown.replace("\n", "<br>"))
        self.banner.setVisible(bool(text))

    def open_export_dialog(self, kind: str | None = None):
        """Open the export dialog on the workbook that fits the current page."""
        if kind is None:
            page = self.nav.currentItem().data(Qt.ItemDataRole.UserRole) if self.nav.currentItem() else ""
            kind = {"checklist": "checklist", "plan": "actions"}.get(page, "budget")
        budget = self.pages.get("budget")
        year = budget.current_year() if kind == "budget" and budget is not None else None
        dialog = ExportDialog(self.state, kind, self, year=year)
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

    def review_not_assessed(self) -> None:
        self.show_page("checklist").review_not_assessed()

    def open_recommendation(self, item_id: str) -> None:
        self.show_page("checklist").open_item(item_id)
