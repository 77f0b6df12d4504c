"""The main window: navigation on the left, the selected page on the right, and the clinic and
the signed-in person always visible at the top.

A page is built the first time it is shown or asked for (`window.pages[key]`), not when the window
opens: the window paints after building the dashboard alone, and a page never opened never reads
the plan (issue 18)."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, QUrl
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
from clinicguard.i18n import tr, trn
from clinicguard.model.checklist import Status
from clinicguard.model.evidence import StartupReport
from clinicguard.ui import look, ops, resume_garbage_collector, window_memory
from clinicguard.ui.backup_ui import BackupController
from clinicguard.ui.signin_dialog import SessionGuard
from clinicguard.ui.state import AppState

if TYPE_CHECKING:
    from clinicguard.ui.evidence_view import EvidenceView

log = logging.getLogger(__name__)

EXTERNAL_POLL_MS = 1000  # changes made by the CLI or a script show within about a second
AFTER_PAINT_AT_LATEST_MS = 500  # a window that is not painted (minimised) still gets its counts


class Page(NamedTuple):
    """One entry of the navigation: its key, title, factory(state) -> QWidget, the Lucide icon
    of resources/icons/lucide, and badge(state) -> the live count shown beside the title ("")."""

    key: str
    title: str
    factory: Callable[[AppState], QWidget]
    icon: str = "layout-dashboard"
    badge: Callable[[AppState], str] | None = None


def _to_assess(state: AppState) -> str:
    n = sum(1 for r in state.ws.checklist.rows() if r.status is Status.NOT_ASSESSED)
    return trn("{n} to assess", "{n} to assess", n) if n else ""


def _overdue(state: AppState) -> str:
    n = state.ws.plan.overdue_count(date.today())
    return trn("{n} overdue", "{n} overdue", n) if n else ""


def _expired(state: AppState) -> str:
    n = len(state.ws.vault.summary()["evidence_expired"])
    return trn("{n} expired", "{n} expired", n) if n else ""


def _to_confirm(state: AppState) -> str:
    n = len(state.ws.signoffs.pending(state.actor)) if state.actor else 0
    return trn("{n} to confirm", "{n} to confirm", n) if n else ""


def _registers_due(state: AppState) -> str:
    summary = state.ws.registers.summary()
    n = len(summary.overdue_incidents) + len(summary.expiring)
    return trn("{n} due", "{n} due", n) if n else ""


# Each page's module is imported by its factory, when the page is first built: the window's first
# paint loads the dashboard's code alone, not the workbooks, charts and dialogs of every page
# (issue 18; the frozen build names every module, packaging/clinicguard.spec).
def _dashboard(state: AppState) -> QWidget:
    from clinicguard.ui.dashboard_view import DashboardView
    return DashboardView(state, deferred=True)  # its boxes below the fold once the window has painted


def _checklist(state: AppState) -> QWidget:
    from clinicguard.ui.checklist_view import ChecklistView
    return ChecklistView(state)


def _plan(state: AppState) -> QWidget:
    from clinicguard.ui.plan_view import PlanView
    return PlanView(state)


def _budget(state: AppState) -> QWidget:
    from clinicguard.ui.budget_view import BudgetView
    return BudgetView(state)


def _evidence(state: AppState) -> QWidget:
    from clinicguard.ui.evidence_view import EvidenceView
    return EvidenceView(state)


def _signoff(state: AppState) -> QWidget:
    from clinicguard.ui.signoff_view import SignOffView
    return SignOffView(state)


def _registers(state: AppState) -> QWidget:
    from clinicguard.ui.registers_view import RegistersView
    return RegistersView(state)


def _journal(state: AppState) -> QWidget:
    from clinicguard.ui.audit_view import AuditView
    return AuditView(state)


def _people(state: AppState) -> QWidget:
    from clinicguard.ui.people_view import PeopleView
    return PeopleView(state)


def _settings(state: AppState) -> QWidget:
    from clinicguard.ui.settings_view import SettingsView
    return SettingsView(state)


def page_factories() -> list[Page]:
    """The pages in navigation order. Each feature adds its page here, in one line (a plain
    (key, title, factory) tuple works too: it gets the default icon and no count). A page's widget
    is built once, when it is first shown or asked for; its factory imports its module then."""
    return [Page(*entry) for entry in (
        Page("dashboard", tr("Dashboard"), _dashboard, "layout-dashboard"),
        Page("checklist", tr("Recommendations"), _checklist, "list-checks", _to_assess),
        Page("plan", tr("Action plan"), _plan, "clipboard-list", _overdue),
        Page("budget", tr("Budget"), _budget, "wallet"),
        Page("evidence", tr("Evidence"), _evidence, "folder-lock", _expired),
        Page("signoff", tr("Sign-off"), _signoff, "signature", _to_confirm),
        Page("registers", tr("Registers"), _registers, "notebook-tabs", _registers_due),
        Page("journal", tr("Audit trail"), _journal, "scroll-text"),
        Page("people", tr("People"), _people, "users"),
        Page("settings", tr("Settings"), _settings, "settings"),
    )]


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

    def built_items(self) -> list[tuple[str, QWidget]]:
        """The pages built so far, in navigation order (their layout is remembered; the others
        have none to save)."""
        return [(key, self._built[key]) for key in self._keys if key in self._built]


class MainWindow(QMainWindow):
    def __init__(self, state: AppState, *, banner: str = "", keep_together: Sequence[str] = ()):
        super().__init__()
        self.state = state
        self.setWindowTitle("ClinicGuard")
        self.memory = window_memory.settings()

        self.clinic_label = QLabel()
        self.clinic_label.setObjectName("clinicName")
        self.person_label = QLabel()
        self.person_label.setObjectName("signedInPerson")
        self.switch_button = QToolButton(text=tr("Switch user"))
        self.switch_button.setIcon(look.icon("repeat"))
        self.switch_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.switch_button.setVisible(False)
        header_box = QWidget()
        header_box.setObjectName("header")
        header = QHBoxLayout(header_box)
        header.setContentsMargins(10, 6, 10, 6)
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
        self.nav.setIconSize(QSize(18, 18))
        self.nav.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget()
        self.specs: dict[str, Page] = {}
        for spec in page_factories():
            self.specs[spec.key] = spec
            item = QListWidgetItem(look.icon(spec.icon, selected=look.ON_ACCENT), spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            self.nav.addItem(item)
        self._painted = False  # what waits for the first paint has run (_after_first_paint)
        self._selected_item: str | None = None  # the checklist's selection, for the plan page
        self._vault_report: StartupReport | None = None  # for the evidence page, once built
        self.pages = Pages(list(self.specs), self._build_page)
        self.nav.currentRowChanged.connect(self._show_row)
        # wide enough for the longest entry with its count ("Plan d'action · 12 en retard")
        self.nav.setFixedWidth(max(180, self._nav_width()))
        self.refresh_badges(counts=False)  # the titles; the counts once the window has painted

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.nav)
        page_area = QVBoxLayout()
        page_area.setContentsMargins(8, 6, 8, 6)
        page_area.addWidget(self.banner)
        page_area.addWidget(self.stack, 1)
        body.addLayout(page_area, 1)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header_box)
        layout.addLayout(body, 1)
        self.setCentralWidget(central)
        if not window_memory.restore_window(self.memory, self):
            window_memory.apply_default_geometry(self)

        # Alt+1..9, then Alt+0 for the tenth, jump to a page from anywhere
        for n in range(min(10, self.nav.count())):
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Alt+{(n + 1) % 10}"))
            action.triggered.connect(lambda _=False, row=n: self.nav.setCurrentRow(row))
            self.addAction(action)

        # Excel exports (issue 5): File menu and Ctrl+E, from any page
        self.export_action = QAction(tr("Export to Excel…"), self)
        self.export_action.setObjectName("exportToExcel")
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(lambda: self.open_export_dialog())
        file_menu = self.menuBar().addMenu(tr("&File"))
        file_menu.addAction(self.export_action)
        # backups (issue 11): Fichier › Sauvegarder, › Vérifier une sauvegarde; automatic ones
        self.backups = BackupController(self, state)
        file_menu.addAction(self.backups.backup_action)
        file_menu.addAction(self.backups.verify_action)
        file_menu.addAction(self.backups.list_action)
        # The compliance report and the inspection pack (issue 14): File menu and Ctrl+R
        self.report_action = QAction(tr("Report for the DPO or the inspector…"), self)
        self.report_action.setObjectName("reportForInspector")
        self.report_action.setShortcut(QKeySequence("Ctrl+R"))
        self.report_action.triggered.connect(lambda: self.open_report_dialog())
        file_menu.addAction(self.report_action)
        # for the clinic's IT provider: the technical log (errors and their tracebacks)
        self.log_folder_action = QAction(tr("Open the log folder"), self)
        self.log_folder_action.setObjectName("openLogFolder")
        self.log_folder_action.triggered.connect(self.open_log_folder)
        self.menuBar().addMenu(tr("&Help")).addAction(self.log_folder_action)

        self._show_catalogue_changes()
        state.actor_changed.connect(lambda _: (self.refresh_header(), self.refresh_badges()))
        state.changed.connect(lambda changes: changes.clinic and self.refresh_header())
        state.changed.connect(self._badges_for)
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
        widget = self.build_page(self.specs[key])
        self.stack.addWidget(widget)
        self._connect_page(key, widget)
        if self._painted and hasattr(widget, "finish_deferred"):  # built later: nothing waits for the paint
            widget.finish_deferred()
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

        if key in ("checklist", "plan"):
            from clinicguard.ui.evidence_view import (
                DropOnto,
                checklist_links,
                plan_links,
            )

        if key == "dashboard":
            page.open_item.connect(self.open_recommendation)
            page.start_review.connect(self.review_not_assessed)
            page.open_evidence.connect(lambda: self.show_page("evidence"))
            page.backup_requested.connect(lambda: self.backups.backup_now())
            # the registers (issue 13): the dashboard's alerts open them
            page.open_registers.connect(lambda kind: self.show_page("registers").show_register(kind))
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
            # the budget page moves to where the line landed
            page.line_saved.connect(lambda year: self.pages["budget"].show_year(year))
        elif key == "budget":
            page.go_to_plan.connect(lambda: self.show_page("plan"))
            page.export_requested.connect(lambda: self.open_export_dialog("budget"))
        elif key == "registers":
            page.export_requested.connect(lambda: self.open_export_dialog("registers"))
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
            # the pages' splitters and columns once the window has its size (a splitter restored
            # earlier would share out the later growth by its stretch factors)
            self.centralWidget().layout().activate()
            for key, widget in self.pages.built_items():
                window_memory.restore_page(self.memory, key, widget)
            # what the first paint does not need runs once it is done (event()), or at the latest:
            QTimer.singleShot(AFTER_PAINT_AT_LATEST_MS, self._after_first_paint)

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.UpdateRequest and self._vault_checked and not self._painted:
            QTimer.singleShot(0, self._after_first_paint)  # the window has just painted
        return handled

    def _after_first_paint(self) -> None:
        """What the window's first paint does not need (issue 18): the sidebar's counts, the
        dashboard's boxes below the fold, the vault's start-up check (off the UI thread); and the
        garbage collector paused since the UI's first import runs again."""
        resume_garbage_collector()  # whatever became of the window
        if self._painted or not self.isVisible():  # done, or closed before it came to run
            return
        self._painted = True
        self.refresh_badges()
        for _key, widget in self.pages.built_items():
            if hasattr(widget, "finish_deferred"):
                widget.finish_deferred()
        self.check_vault()

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
        """Wait for the work still running (an export, an encryption) before the window goes;
        remember its size and the pages' splitters and columns."""
        if self.backups.intercept_close(self.close):  # the backup at closing runs first, then closes
            event.ignore()
            return
        self.external_timer.stop()
        self.save_layout()
        ops.drain()
        self.state.detach()
        super().closeEvent(event)

    def build_page(self, spec: Page) -> QWidget:
        """Make a page's widget and dress it: its icons, and its splitters and columns as the user
        left them (when the window is already on screen; else at its first show)."""
        widget = spec.factory(self.state)
        widget.setObjectName(f"page-{spec.key}")
        look.decorate(spec.key, widget)
        if getattr(self, "_vault_checked", False):  # built after the first show (a page built on demand)
            window_memory.restore_page(self.memory, spec.key, widget)
        return widget

    def save_layout(self) -> None:
        window_memory.save_window(self.memory, self)
        for key, widget in self.pages.built_items():
            window_memory.save_page(self.memory, key, widget)
        self.memory.sync()

    # ---- navigation --------------------------------------------------------------------------
    def page_keys(self) -> list[str]:
        return [self.nav.item(row).data(Qt.ItemDataRole.UserRole) for row in range(self.nav.count())]

    # which counts a change can move (each count is a query: only those are asked again)
    BADGE_CHANGES: ClassVar[dict[str, tuple[str, ...]]] = {"checklist": ("checklist", "catalogue", "clinic"), "plan": ("plan",),
                     "evidence": ("evidence",), "signoff": ("signoff", "people", "checklist")}

    def _badges_for(self, changes: Changes) -> None:
        keys = [key for key, flags in self.BADGE_CHANGES.items() if any(getattr(changes, f) for f in flags)]
        if changes != Changes(journal=True):  # a page added later, with a count: asked at each change
            keys += [k for k, spec in self.specs.items() if spec.badge and k not in self.BADGE_CHANGES]
        if keys:
            self.refresh_badges(keys)

    def refresh_badges(self, keys: Sequence[str] | None = None, *, counts: bool = True) -> None:
        """Each entry's live count: "Plan d'action · 2 en retard"; said in full to screen readers
        (`counts=False`: the titles alone, as the window opens)."""
        for row in range(self.nav.count()):
            item = self.nav.item(row)
            spec = self.specs[item.data(Qt.ItemDataRole.UserRole)]
            if keys is not None and spec.key not in keys:
                continue
            badge = spec.badge(self.state) if spec.badge and counts else ""
            item.setText(self._entry_text(spec.title, badge))
            item.setToolTip(f"{spec.title} (Alt+{row + 1})" + (f" — {badge}" if badge else "") if row < 9 else "")
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{spec.title}, {badge}" if badge else spec.title)

    def _entry_text(self, title: str, badge: str) -> str:
        """ "Plan d'action · 2 en retard", on two lines when one is too narrow (never cut)."""
        if not badge:
            return title
        one_line = f"{title} · {badge}"
        room = self.nav.width() - self.nav.iconSize().width() - 46  # the item's padding and margins
        self.nav.ensurePolished()
        return one_line if self.nav.fontMetrics().horizontalAdvance(one_line) <= room else f"{title} ·\n{badge}"

    def _nav_width(self) -> int:
        """Room for the longest title with a two-digit count; a longer one is elided (whole in its tooltip)."""
        self.nav.ensurePolished()  # the style sheet's font, not the default one
        metrics = self.nav.fontMetrics()
        widest_badge = max(metrics.horizontalAdvance(text) for text in (
            trn("{n} to assess", "{n} to assess", 88), trn("{n} overdue", "{n} overdue", 88),
            trn("{n} expired", "{n} expired", 88), trn("{n} to confirm", "{n} to confirm", 88)))
        longest = max((metrics.horizontalAdvance(f"{spec.title} · ") for spec in self.specs.values()), default=150)
        return min(200, longest + widest_badge + 18 + 44)  # at most 200 px: the pages must fit 1024 px

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
            if change.review:
                parts.append(tr("Meaning changed, back to review (the reason is shown with each one): {ids}.",
                                ids=", ".join(change.review)))
            if change.reworded:
                parts.append(tr("Reworded, worth re-reading: {ids}.", ids=", ".join(change.reworded)))
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
            kind = {"checklist": "checklist", "plan": "actions", "registers": "registers"}.get(page, "budget")
        budget = self.pages.built("budget")
        year = budget.current_year() if kind == "budget" and budget is not None else None
        from clinicguard.ui.export_dialog import ExportDialog

        dialog = ExportDialog(self.state, kind, self, year=year)
        dialog.open()
        return dialog

    def open_report_dialog(self, kind: str = "pdf"):
        """Open the dialog that makes the compliance report (PDF) or the inspection pack (zip)."""
        from clinicguard.ui.report_dialog import ReportDialog

        dialog = ReportDialog(self.state, kind, self)
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
