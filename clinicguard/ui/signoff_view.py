"""The sign-off page (attestations): a practitioner confirms the recommendations applied in their
practice and sees what they were asked to confirm; the manager sees, per recommendation, who has
confirmed and who has not, and asks every practitioner to confirm a selection."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clinicguard.model.errors import ClinicGuardError
from clinicguard.core.formatting import format_date
from clinicguard.model.people import Permission, Role
from clinicguard.model.signoff import ItemSignOffs, SignOffRequest
from clinicguard.i18n import pick, tr, trn
from clinicguard.ui.state import AppState
from clinicguard.ui.table_model import RowsTableModel, plain_tooltip
from clinicguard.ui.widgets import enable, not_allowed, show_error, why_not


SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ME_COLUMN = 4
NAME_COLUMN_MAX_WIDTH = 240  # a long list of names wraps in its tooltip rather than widening the table


@dataclass(frozen=True)
class SignOffRow:
    item_id: str
    title: str
    status: ItemSignOffs
    mine: str  # the signed-in person's answer, as shown
    position: int = 0  # in the catalogue: the order a manager knows
    asked: SignOffRequest | None = None  # what the signed-in practitioner was asked, with its note


def _day(ts: str | None) -> str:
    return format_date(ts[:10]) if ts else "—"


class SignOffModel(RowsTableModel):
    rows: list[SignOffRow]

    def __init__(self):
        super().__init__([tr("Recommendation"), tr("Requested"), tr("Confirmed by"), tr("Not confirmed by"), tr("Me")])

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.UserRole:
            return row.item_id
        if role == SORT_ROLE and index.column() == 0:
            return row.position
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(self._tooltip(row, index.column()))
        if role not in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            return None
        s = row.status
        return [
            f"{row.item_id} — {row.title}",
            _day(s.request.requested_at) if s.request else "—",
            ", ".join(c.person_name for c in s.confirmed) or "—",
            ", ".join(p.name for p in s.missing) or "—",
            row.mine,
        ][index.column()]

    @staticmethod
    def _tooltip(row: SignOffRow, column: int) -> str | None:
        if column == 0:
            return f"{row.item_id} — {row.title}"
        if column == 2:
            return "\n".join(f"{s.person_name} — {_day(s.signed_at)}" + (f" : {s.comment}" if s.comment else "")
                             for s in row.status.confirmed) or None
        if column == 3:
            return ", ".join(p.name for p in row.status.missing) or None
        if column == ME_COLUMN and row.asked is not None:
            return _asked_text(row.asked)
        return None


def _asked_text(request: SignOffRequest) -> str:
    name, date = request.requested_by_name or "—", _day(request.requested_at)
    if request.note:
        return tr("Asked by {name} on {date}: “{note}”", name=name, date=date, note=request.note)
    return tr("Asked by {name} on {date}", name=name, date=date)


class PendingFilter(QSortFilterProxyModel):
    """Optionally keep only what the signed-in person was asked to confirm."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.only: set[str] | None = None

    def set_only(self, item_ids: set[str] | None) -> None:
        self.only = item_ids
        self.invalidate()

    def filterAcceptsRow(self, source_row, source_parent) -> bool:  # noqa: N802
        if self.only is None:
            return True
        return self.sourceModel().rows[source_row].item_id in self.only


class SignOffView(QWidget):
    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self.model = SignOffModel()
        self.proxy = PendingFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.proxy.setSortRole(SORT_ROLE)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # Qt's default indicator is descending
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName(tr("Sign-offs"))
        self.pending_label = QLabel()
        self.pending_label.setTextFormat(Qt.TextFormat.PlainText)  # holds the manager's note
        self.pending_label.setWordWrap(True)
        self.pending_label.setStyleSheet("font-weight: bold;")
        self.only_pending = QCheckBox(tr("Only what I am asked to confirm"))
        self.confirm_button = QPushButton(tr("&Confirm it is applied in my practice…"))
        self.withdraw_button = QPushButton(tr("&Withdraw my sign-off"))
        self.request_button = QPushButton(tr("&Ask every practitioner to confirm…"))
        self.cancel_button = QPushButton(tr("Cancel the re&quest"))
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # holds people's names
        self.message.setWordWrap(True)
        # two rows (the practitioner's, then the manager's) so that the page fits a 1024 px window
        own_buttons, manager_buttons = QHBoxLayout(), QHBoxLayout()
        for b in (self.confirm_button, self.withdraw_button):
            own_buttons.addWidget(b)
        own_buttons.addStretch(1)
        for b in (self.request_button, self.cancel_button):
            manager_buttons.addWidget(b)
        manager_buttons.addStretch(1)
        intro = QLabel(tr("A sign-off is a practitioner's statement that a recommendation is applied in "
                          "their own practice. Select recommendations, then confirm or ask for "
                          "confirmation."))
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.pending_label)
        layout.addWidget(self.only_pending)
        layout.addWidget(self.table, 1)
        layout.addLayout(own_buttons)
        layout.addLayout(manager_buttons)
        layout.addWidget(self.message)

        self.only_pending.toggled.connect(lambda _: self.refresh())
        self.confirm_button.clicked.connect(self.on_confirm)
        self.withdraw_button.clicked.connect(lambda: self._each(lambda a, i: self.state.ws.signoffs.withdraw(a, i)))
        self.request_button.clicked.connect(self.on_request)
        self.cancel_button.clicked.connect(lambda: self._each(lambda a, i: self.state.ws.signoffs.cancel_request(a, i)))
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._apply_permissions())
        state.actor_changed.connect(lambda _: self.on_actor_changed())
        state.changed.connect(lambda c: (c.people or c.signoff or c.clinic or c.catalogue) and self.refresh())
        self.refresh()

    def on_actor_changed(self) -> None:
        """Another person: nothing of the previous person's filter or messages stays on screen."""
        self.only_pending.blockSignals(True)
        self.only_pending.setChecked(False)
        self.only_pending.blockSignals(False)
        self.message.clear()
        self.table.clearSelection()
        self.refresh()

    def is_practitioner(self) -> bool:
        """Requests are addressed to practitioners: only they have a "Me" column and a to-do list."""
        return self.state.actor is not None and self.state.actor.role is Role.PRACTITIONER

    def refresh(self) -> None:
        ws, actor = self.state.ws, self.state.actor
        structure = ws.settings.clinic.structure
        items = [i for i in ws.catalogue.items if i.applies(structure)]
        overview = ws.signoffs.overview([i.id for i in items])
        asked = {r.item_id: r for r in ws.signoffs.pending(actor)}
        rows = []
        for position, item in enumerate(items):
            status = overview[item.id]
            mine = next((s for s in status.confirmed if actor is not None and s.person_id == actor.id), None)
            request = asked.get(item.id)
            if mine:
                text = tr("Confirmed on {date}", date=_day(mine.signed_at))
            elif request is not None:
                text = tr("To confirm") + (f" — {request.note}" if request.note else "")
            else:
                text = "—"
            rows.append(SignOffRow(item.id, pick(item.title), status, text, position, request))
        self.model.set_rows(rows)
        self._fit_columns()
        self.table.setColumnHidden(ME_COLUMN, not self.is_practitioner())
        self.proxy.set_only(set(asked) if self.only_pending.isChecked() else None)
        self.pending_label.setText(self._pending_text(list(asked.values())))
        self.pending_label.setVisible(bool(asked))
        self._apply_permissions()

    @staticmethod
    def _pending_text(requests: list[SignOffRequest]) -> str:
        if not requests:
            return ""
        lines = [trn("{n} recommendation waiting for your sign-off.", "{n} recommendations waiting for your sign-off.",
                     len(requests))]
        # a manager usually asks for a batch with one note: show each distinct note once
        for request in {(r.requested_by_name, r.note): r for r in requests if r.note}.values():
            lines.append(tr("Note from {name}: “{note}”", name=request.requested_by_name or "—", note=request.note))
        return "\n".join(lines)

    def _fit_columns(self) -> None:
        """Wide enough for each header (no "Non attesté pa"), without letting a long list of
        names push the table wider than the window."""
        header = self.table.horizontalHeader()
        for column in range(1, self.model.columnCount()):
            wanted = max(header.sectionSizeHint(column),
                         min(self.table.sizeHintForColumn(column), NAME_COLUMN_MAX_WIDTH))
            header.resizeSection(column, wanted)

    def selected_items(self) -> list[str]:
        return [self.proxy.data(i, Qt.ItemDataRole.UserRole) for i in self.table.selectionModel().selectedRows()]

    def select_items(self, item_ids: list[str]) -> None:
        self.table.clearSelection()
        for row in range(self.proxy.rowCount()):
            if self.proxy.data(self.proxy.index(row, 0), Qt.ItemDataRole.UserRole) in item_ids:
                self.table.selectionModel().select(
                    self.proxy.index(row, 0),
                    self.table.selectionModel().SelectionFlag.Select | self.table.selectionModel().SelectionFlag.Rows)

    def _apply_permissions(self) -> None:
        chosen = bool(self.selected_items())
        picked = (chosen, tr("Select one or more recommendations first."))
        sign = (self.state.can(Permission.SIGN_OFF), not_allowed())
        enable(self.confirm_button, why_not(sign, picked))
        enable(self.withdraw_button, why_not(sign, picked))
        can_request = self.state.can(Permission.REQUEST_SIGN_OFF)
        self.request_button.setVisible(can_request)
        self.cancel_button.setVisible(can_request)
        enable(self.request_button, why_not(picked))
        enable(self.cancel_button, why_not(picked))
        self.only_pending.setVisible(self.is_practitioner())

    def _each(self, change) -> bool:
        items, actor = self.selected_items(), self.state.actor
        if not items or actor is None:
            return False
        try:
            for item_id in items:
                change(actor, item_id)
        except ClinicGuardError as error:
            show_error(self, error)
            return False
        return True

    def on_confirm(self) -> None:
        comment, ok = QInputDialog.getText(self, tr("Sign off"), tr("Optional comment (how it is done in your practice):"))
        if not ok:
            return
        items, actor = self.selected_items(), self.state.actor
        if not items or actor is None:
            return
        try:
            signed = self.state.ws.signoffs.confirm_many(actor, items, comment)
        except ClinicGuardError as error:
            show_error(self, error)
            signed = []
        if signed:
            # the confirmed rows may leave the "only what I am asked" list: say what happened
            self.message.setText(trn("{n} recommendation confirmed.", "{n} recommendations confirmed.", len(signed)))

    def on_request(self) -> None:
        items, actor = self.selected_items(), self.state.actor
        if not items or actor is None:
            return
        note, ok = QInputDialog.getText(self, tr("Ask for sign-off"), tr("Optional note for the practitioners:"))
        if not ok:
            return
        try:
            made = self.state.ws.signoffs.request(actor, items, note)
        except ClinicGuardError as error:
            show_error(self, error)
            made = []
        if made:
            names = ", ".join(p.name for p in self.state.ws.people.active_practitioners()) or tr("nobody yet")
            self.message.setText(trn("{n} recommendation to confirm, asked of: {names}.",
                                     "{n} recommendations to confirm, asked of: {names}.", len(made), names=names))
