"""The main window: navigation on the left, the selected page on the right, and the clinic and
the signed-in person always visible at the top.

A page is built the first time it is shown or asked for (`window.pages[key]`), not when the window
opens: the window paints after building the dashboard alone, and a page never opened never reads
the plan (issue 18)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping

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
from clinicguard.ui.evidence_view import DropOnto, EvidenceView, checklist_links, plan_links
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

    Each feature adds its page here; a page's widget is built once, when it is first shown.
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


class Pages(Mapping[str, QWidget]):
    """The window's pages by key, in navigation order; each built the first time it is asked for."""

    def __init__(self, keys: list[str], build: Callable[[str], QWidget]):
        self._keys, self._build, self._built = keys, build, {}

    def __getitem__(self, key: str) -> QWidget:
        if key not in self._built:
            if key not in self._keys:
                raise KeyError(key)
            self._built[key] = self._build(key)
        return self._built[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def built(self, key: str) -> QWidget | None:
        """The page if it has been built, without building it."""
        return self._built.get(key)


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
        factories = {}
        for key, title, factory in page_factories():
            factories[key] = factory
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.nav.addItem(item)
        self._factories = factories
        self._selected_item: str | None = None  # the checklist's selection, for the plan page
        self._vault_report: StartupReport | None = None  # for the evidence page, once built
        self.pages = Pages(list(factories), self._build_page)
        self.nav.currentRowChanged.connect(self._show_row)

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

    def _build_page(self, key: str) -> QWidget:
        widget = self._factories[key](self.state)
        widget.setObjectName(f"page-{key}")
        self.stack.addWidget(widget)
        self._connect_page(key, widget)
        return widget

    def _show_row(self, row: int) -> None:
        item = self.nav.item(row)
        if item is not None:
            self.stack.setCurrentWidget(self.pages[item.data(Qt.ItemDataRole.UserRole)])

    def _connect_page(self, key: str, page: QWidget) -> None:
        """Pages never call each other: they ask, by a signal, and the window does it (building
        the other page if it is not built yet)."""
        def evidence() -> EvidenceView:  # built when a file is dropped or attached
            return self.pages["evidence"]

        if key == "dashboard":
            page.open_item.connect(self.open_recommendation)
            page.start_review.connect(self.review_not_assessed)
            page.open_evidence.connect(lambda: self.show_page("evidence"))
        elif key == "checklist":
            DropOnto(evidence, page.tree, checklist_links)  # files dropped on an item become its evidence
            # "Create an action for this gap" in the checklist opens the plan on that gap
            page.item_selected.connect(self._item_selected)
            page.plan_requested.connect(lambda item_id: self.show_page("plan").create_from_gap(item_id))
            # the selected item's evidence, from the checklist
            page.attach_requested.connect(lambda item_id: evidence().attach_for_item(item_id))
            page.evidence_requested.connect(lambda item_id: self.show_page("evidence").show_for_item(item_id))
        elif key == "plan":
            DropOnto(evidence, page.table, plan_links)  # files dropped on an action become its evidence
            if self._selected_item is not None:
                page.set_selected_item(self._selected_item)
            page.go_to_checklist.connect(lambda: self.show_page("checklist"))
        elif key == "budget":
            page.go_to_plan.connect(lambda: self.show_page("plan"))
            page.export_requested.connect(lambda: self.open_export_dialog("budget"))
        elif key == "evidence" and self._vault_report is not None:
            page.show_startup_report(self._vault_report)

    def _item_selected(self, item_id: str) -> None:
        self._selected_item = item_id
        plan = self.pages.built("plan")
        if plan is not None:
            plan.set_selected_item(item_id)

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
        self._vault_report = report
        evidence = self.pages.built("evidence")
        if evidence is not None:
            evidence.show_startup_report(report)
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

    def review_not_assessed(self) -> None:
        self.show_page("checklist").review_not_assessed()

    def open_recommendation(self, item_id: str) -> None:
        self.show_page("checklist").open_item(item_id)
