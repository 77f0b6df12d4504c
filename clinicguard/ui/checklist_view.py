"""The checklist page: recommendations grouped by domain and theme, filters, and beside the
selected item its guidance and the form to answer it. Every change is saved as it is made."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import SIGNAL, QEvent, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from clinicguard.core.changes import Changes
from clinicguard.core.formatting import format_date
from clinicguard.model.checklist import ChecklistRow, Status
from clinicguard.model.errors import ClinicGuardError
from clinicguard.model.people import Permission
from clinicguard.i18n import pick, tr, trc
from clinicguard.ui.checklist_model import ROW_ROLE, ChecklistFilter, ChecklistModel
from clinicguard.ui.columns import fit_columns
from clinicguard.ui.date_field import DateField
from clinicguard.ui.state import AppState
from clinicguard.ui.widgets import enable, not_allowed, why_not

class ChecklistView(QWidget):
    item_selected = Signal(str)
    plan_requested = Signal(str)  # "Create an action for this gap" for this recommendation
    attach_requested = Signal(str)  # "Attach evidence…" for this recommendation
    evidence_requested = Signal(str)  # "See its evidence" of this recommendation

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self._loading = False
        self._current_id: str | None = None
        self._columns_fitted = False

        self.model = ChecklistModel(self)
        self.proxy = ChecklistFilter(self)
        self.proxy.setSourceModel(self.model)

        # filters
        self.search = QLineEdit(placeholderText=tr("Search (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.status_filter = QComboBox()
        self.status_filter.addItem(tr("All statuses"), None)
        for status in Status:
            self.status_filter.addItem(status.label, status.value)
        self.domain_filter = QComboBox()
        self.responsible_filter = QComboBox()
        for combo, label in ((self.status_filter, tr("Status")), (self.domain_filter, tr("Domain")),
                             (self.responsible_filter, tr("Responsible"))):
            combo.setAccessibleName(label)
            # as wide as the room allows, not as the longest domain title: the window fits 1024 px
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        # the search on its own line, the three filters under it: on a 1024-pixel screen the
        # filters keep their words ("Tous les domaines") and the search its hint
        filters = QVBoxLayout()
        filters.addWidget(self.search)
        combos = QHBoxLayout()
        combos.addWidget(self.status_filter, 1)
        combos.addWidget(self.domain_filter, 1)
        combos.addWidget(self.responsible_filter, 1)
        filters.addLayout(combos)
        self.count_label = QLabel()
        self.keys_label = QLabel(tr("Keys 1 to 5 in the list set the status: 1 not assessed, 2 compliant, 3 partly "
                                    "compliant, 4 not compliant, 5 not applicable (Ctrl+1 to 5 from the form)."))
        self.keys_label.setWordWrap(True)
        self.keys_label.setStyleSheet("color: #555;")

        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setAccessibleName(tr("Recommendations"))

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.tree, 1)
        self.no_match = QWidget()
        no_match_layout = QHBoxLayout(self.no_match)
        no_match_layout.setContentsMargins(0, 0, 0, 0)
        no_match_layout.addWidget(QLabel(tr("No recommendation matches these filters.")))
        clear = QPushButton(tr("Clear the filters"))
        clear.clicked.connect(self.clear_filters)
        no_match_layout.addWidget(clear)
        no_match_layout.addStretch(1)
        self.no_match.setVisible(False)
        left_layout.addWidget(self.no_match)
        # answered while filtered (the review of "not assessed"): the gap just found leaves the
        # list, but stays one click away, to make its action or to look at it again
        self.answered_label = QLabel()
        self.answered_label.setWordWrap(True)
        self.answered_plan_button = QPushButton(tr("Create an action"))
        self.answered_show_button = QPushButton(tr("Show it"))
        self.answered_bar = QWidget()
        self.answered_bar.setObjectName("answeredBar")
        answered_layout = QHBoxLayout(self.answered_bar)
        answered_layout.setContentsMargins(0, 0, 0, 0)
        answered_layout.addWidget(self.answered_label, 1)
        answered_layout.addWidget(self.answered_plan_button)
        answered_layout.addWidget(self.answered_show_button)
        self.answered_bar.setVisible(False)
        self._answered_id: str | None = None
        left_layout.addWidget(self.answered_bar)
        left_layout.addWidget(self.count_label)
        left_layout.addWidget(self.keys_label)

        # detail: guidance and answer form
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.guidance = QTextBrowser()
        self.guidance.setOpenExternalLinks(False)
        self.status_edit = QComboBox()
        for status in Status:
            self.status_edit.addItem(status.label, status.value)
        self.responsible_edit = QComboBox()
        self.responsible_edit.setEditable(True)
        self.comment_edit = QPlainTextEdit()
        self.comment_edit.setTabChangesFocus(True)
        self.comment_edit.setMaximumHeight(90)
        self.last_review_edit = DateField()
        self.next_review_edit = DateField()
        self.saved_label = QLabel()
        self.saved_label.setStyleSheet("color: #2e7d32;")
        form = QFormLayout()
        form.addRow(tr("&Status"), self.status_edit)
        form.addRow(tr("&Responsible"), self.responsible_edit)
        form.addRow(tr("C&omment"), self.comment_edit)
        form.addRow(tr("&Last review"), self.last_review_edit)
        form.addRow(tr("&Next review"), self.next_review_edit)
        self.form_widget = QWidget()
        self.form_widget.setLayout(form)
        self.plan_button = QPushButton(tr("Create an action for this gap"))
        self.plan_button.setVisible(False)
        # evidence of the selected item: the main window connects these to the evidence page
        self.attach_button = QPushButton(tr("Attach evidence…"))
        self.evidence_button = QPushButton()
        evidence_row = QHBoxLayout()
        evidence_row.addWidget(self.attach_button)
        evidence_row.addWidget(self.evidence_button)
        evidence_row.addStretch(1)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.title)
        right_layout.addWidget(self.form_widget)
        right_layout.addWidget(self.saved_label)
        right_layout.addWidget(self.plan_button)
        right_layout.addLayout(evidence_row)
        right_layout.addWidget(self.guidance, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([640, 400])  # the list wider than the form, at any window size
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        # saving: each field saves itself; text fields after a short pause or on leaving them
        self._comment_timer = QTimer(self, singleShot=True, interval=600)
        self._comment_timer.timeout.connect(self._save_comment)
        self.status_edit.currentIndexChanged.connect(lambda _: self._save(status=self.status_edit.currentData()))
        self.responsible_edit.lineEdit().editingFinished.connect(
            lambda: self._save(responsible=self.responsible_edit.currentText().strip()))
        self.responsible_edit.activated.connect(
            lambda _: self._save(responsible=self.responsible_edit.currentText().strip()))
        self.comment_edit.textChanged.connect(lambda: self._loading or self._comment_timer.start())
        self.last_review_edit.changed.connect(
            lambda iso: self._save(last_reviewed=iso) or self.last_review_edit.refuse())
        self.next_review_edit.changed.connect(
            lambda iso: self._save(next_review=iso) or self.next_review_edit.refuse())

        self.search.textChanged.connect(self._apply_filters)
        for combo in (self.status_filter, self.domain_filter, self.responsible_filter):
            combo.currentIndexChanged.connect(self._apply_filters)
        self.tree.selectionModel().currentChanged.connect(self._on_current_changed)

        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.search.setFocus)
        # answering from the keyboard: 1-5 in the list, Ctrl+1-5 anywhere on the page
        self.tree.installEventFilter(self)
        self.form_widget.installEventFilter(self)
        for child in self.form_widget.findChildren(QWidget):
            child.installEventFilter(self)
        self.plan_button.clicked.connect(lambda: self._request(self.plan_requested))
        self.answered_plan_button.clicked.connect(
            lambda: self._answered_id and self.plan_requested.emit(self._answered_id))
        self.answered_show_button.clicked.connect(lambda: self._answered_id and self.show_answered())
        self.attach_button.clicked.connect(lambda: self._request(self.attach_requested))
        self.evidence_button.clicked.connect(lambda: self._request(self.evidence_requested))
        self._saving = False
        state.changed.connect(self._on_changed)
        state.actor_changed.connect(lambda _: self._apply_permissions())
        self.reload()

    # ---- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        ws = self.state.ws
        rows = ws.checklist.rows()
        retired = [ChecklistRow(item, answer, Status(answer.status), False, retired=True)
                   for item, answer in ws.catalogue_versions.retired_recommendations()]
        self.model.load(rows, ws.catalogue, self._evidence_counts(), retired)
        self._fill_filter_choices(rows)
        self._expand_and_span()
        if not self._columns_fitted:  # once: then the user's widths (remembered) stay
            self._columns_fitted = True
            ids = [item.id for item in ws.catalogue.items] or ["GOV-ACCESS-01"]
            self.tree.ensurePolished()
            depth = 3 * self.tree.indentation() + 14  # (root) > domain > theme > recommendation
            fit_columns(self.tree, stretch=1,
                        widths={0: depth + max(self.tree.fontMetrics().horizontalAdvance(i) for i in ids)},
                        samples={2: [s.label for s in Status], 3: ["Dr Karim Benali"],
                                 4: [format_date("2026-12-28")], 5: [format_date("2026-12-28")]},
                        optional=(6, 5, 4, 3))
        self._apply_filters()
        if not (self._current_id and self.select_item(self._current_id)):
            self._current_id = None
            self._show(None)
        self._apply_permissions()

    def _evidence_counts(self) -> dict[str, int]:
        counter = getattr(self.state.ws, "evidence_counts_by_item", None)
        return counter() if callable(counter) else {}

    def _fill_filter_choices(self, rows) -> None:
        ws = self.state.ws
        for combo, choices in (
            (self.domain_filter, [(ws.catalogue.domain_title(d.id), d.id) for d in ws.catalogue.domains]),
            (self.responsible_filter, [(name or tr("(nobody)"), name) for name in
                                       sorted({r.assessment.responsible for r in rows})]),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(tr("All domains") if combo is self.domain_filter else tr("All responsibles"), None)
            for label, value in choices:
                combo.addItem(label, value)
            found = combo.findData(current)
            combo.setCurrentIndex(found if found >= 0 else 0)
            combo.blockSignals(False)
        names = sorted({r.assessment.responsible for r in rows if r.assessment.responsible} | set(ws.people.names()))
        self.responsible_edit.blockSignals(True)
        text = self.responsible_edit.currentText()
        self.responsible_edit.clear()
        self.responsible_edit.addItems(names)
        self.responsible_edit.setEditText(text)
        self.responsible_edit.blockSignals(False)

    def _apply_filters(self) -> None:
        self.proxy.set_filters(
            status=self.status_filter.currentData(), domain=self.domain_filter.currentData(),
            responsible=self.responsible_filter.currentData() if self.responsible_filter.currentIndex() > 0 else None,
            text=self.search.text(),
        )
        self._expand_and_span()
        self._update_count()
        self._forget_hidden_current()

    def _forget_hidden_current(self) -> None:
        """The form never shows (nor saves into) an item the filters now hide."""
        if self._current_id and not self.proxy.mapFromSource(self.model.index_of_item(self._current_id)).isValid():
            self._flush_comment()
            self.tree.selectionModel().clearCurrentIndex()
            self.tree.clearSelection()
            self._current_id = None
            self._show(None)

    def _update_count(self) -> None:
        shown = self._count_leaves(self.proxy, QModelIndex())
        self.count_label.setText(tr("{shown} of {total} recommendations shown", shown=shown,
                                    total=len(self.state.ws.catalogue.items)))
        filtered = bool(self.search.text().strip() or self.status_filter.currentIndex() > 0
                        or self.domain_filter.currentIndex() > 0 or self.responsible_filter.currentIndex() > 0)
        self.no_match.setVisible(shown == 0 and filtered)

    def review_not_assessed(self) -> None:
        """Show only the recommendations not yet assessed, from the first one."""
        self.clear_filters()
        self.status_filter.setCurrentIndex(self.status_filter.findData("not-assessed"))
        first = next((row.item.id for row in self.state.ws.checklist.rows() if row.status.value == "not-assessed"), None)
        if first:
            self.select_item(first)
        self.tree.setFocus()

    def open_item(self, item_id: str) -> None:
        """Show one recommendation, whatever the search and the status filter hid."""
        self.search.clear()
        self.status_filter.setCurrentIndex(0)
        self.select_item(item_id)
        self.tree.setFocus()

    def clear_filters(self) -> None:
        for combo in (self.status_filter, self.domain_filter, self.responsible_filter):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.search.clear()  # re-applies the filters
        self._apply_filters()

    def _expand_and_span(self) -> None:
        """Open every heading and let domain and theme titles use the whole row."""
        self.tree.expandAll()
        pending = [QModelIndex()]
        while pending:
            parent = pending.pop()
            for r in range(self.proxy.rowCount(parent)):
                index = self.proxy.index(r, 0, parent)
                if index.data(ROW_ROLE) is None:
                    self.tree.setFirstColumnSpanned(r, parent, True)
                    pending.append(index)

    def _count_leaves(self, model, parent: QModelIndex) -> int:
        total = 0
        for r in range(model.rowCount(parent)):
            index = model.index(r, 0, parent)
            total += 1 if index.data(ROW_ROLE) is not None else self._count_leaves(model, index)
        return total

    def _on_changed(self, changes: Changes) -> None:
        if self._saving and not (changes.evidence or changes.people or changes.clinic or changes.catalogue):
            return  # this page's own answer: _save updated its row in place
        if changes.checklist or changes.evidence or changes.people or changes.clinic or changes.catalogue:
            self.reload()

    def _apply_permissions(self) -> None:
        allowed = self.state.can(Permission.ASSESS)
        row = self.current_row()
        self.form_widget.setEnabled(allowed and row is not None and not row.retired)

    # ---- selection and detail ------------------------------------------------------------
    def select_item(self, item_id: str) -> bool:
        source = self.model.index_of_item(item_id)
        index = self.proxy.mapFromSource(source)
        if not index.isValid():
            return False
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)
        return True

    def current_row(self):
        return self.tree.currentIndex().data(ROW_ROLE)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._flush_comment()
        row = current.data(ROW_ROLE)
        self._current_id = row.item.id if row else None
        self._show(row)
        if row:
            self.item_selected.emit(row.item.id)

    def _show(self, row) -> None:
        self._loading = True
        try:
            if row is None:
                self.title.setText(tr("Select a recommendation to answer it; its guidance appears here."))
                self.guidance.setHtml("")
                self.comment_edit.setPlainText("")
                self.responsible_edit.setEditText("")
                self.status_edit.setCurrentIndex(-1)
                self.saved_label.setText("")
                self._show_evidence_buttons(None)
                self.form_widget.setEnabled(False)
                self.plan_button.setVisible(False)
                return
            item, answer = row.item, row.assessment
            self.title.setText(f"{item.id} — {pick(item.title)}")
            self.status_edit.setCurrentIndex(self.status_edit.findData(row.status.value))
            self.responsible_edit.setEditText(answer.responsible)
            self.comment_edit.setPlainText(answer.comment)
            self.last_review_edit.set_value(answer.last_reviewed)
            self.next_review_edit.set_value(answer.next_review)
            self.guidance.setHtml(self._guidance_html(row))
            self._show_plan_button(row)
            self._show_evidence_buttons(row)
            self.saved_label.setText("")
        finally:
            self._loading = False
        self._apply_permissions()

    def _show_dates(self, row) -> None:
        self._loading = True
        try:
            self.last_review_edit.set_value(row.assessment.last_reviewed)
            self.next_review_edit.set_value(row.assessment.next_review)
        finally:
            self._loading = False

    def _show_evidence_buttons(self, row) -> None:
        count = self.model.evidence_counts.get(row.item.id, 0) if row else 0
        self.evidence_button.setText(tr("See its evidence ({n})", n=count))
        enable(self.evidence_button, why_not((count > 0, tr("No evidence is attached to this recommendation yet."))))
        enable(self.attach_button, why_not(
            (row is not None, tr("Select a recommendation first.")),
            (row is None or not row.retired, tr("This recommendation was withdrawn from the catalogue: read-only.")),
            (self.state.can(Permission.ADD_EVIDENCE), not_allowed())))

    def _request(self, signal) -> None:
        row = self.current_row()
        if row is not None:
            signal.emit(row.item.id)

    def _show_plan_button(self, row) -> None:
        # shown for a gap, once the window has given the request to the action plan page
        has_handler = self.receivers(SIGNAL("plan_requested(QString)")) > 0
        self.plan_button.setVisible(has_handler and row.status in (Status.PARTIAL, Status.NON_COMPLIANT))

    def _guidance_html(self, row) -> str:
        item = row.item
        parts = [f"<p><b>{escape(pick(item.question))}</b></p>"]
        register_state = self.state.ws.registers.state_for_item(item.id)  # the items about a register
        if register_state:
            parts.append(f"<p><i>{escape(register_state)}</i></p>")
        if row.retired:
            parts.append(f"<p><i>{escape(tr('A newer catalogue no longer includes this recommendation: its answer and history are kept, read-only, and it no longer counts in the score.'))}</i></p>")
        if not row.applies:
            parts.append(f"<p><i>{escape(tr('This recommendation does not usually apply to your type of structure.'))}</i></p>")
        if item.review and item.needs_review(row.assessment.catalogue_version):
            note = tr("Changed in catalogue {version}, to review: {reason}", version=item.changed_in, reason=pick(item.review))
            parts.append(f"<p><b>{escape(note)}</b></p>")
        sections = ((tr("Why it matters"), pick(item.why)), (tr("How to check"), pick(item.how_to_check)),
                    (tr("Evidence to keep"), pick(item.evidence)))
        for heading, text in sections:
            parts.append(f"<h4>{escape(heading)}</h4><p>{escape(text)}</p>")
        if item.uncertain:
            parts.append(f"<p><i>{escape(tr('Uncertain'))}: {escape(pick(item.uncertain))}</i></p>")
        parts.append(f"<h4>{escape(tr('Suggested actions'))}</h4><ul>")
        efforts = {"low": tr("low effort"), "medium": tr("medium effort"), "high": tr("high effort")}
        kinds = {"investment": tr("investment"), "running": tr("running cost")}
        for action in item.actions_for(self.state.ws.settings.clinic.structure):
            parts.append(f"<li>{escape(pick(action.title))} — {escape(efforts[action.effort])}, "
                         f"{escape(kinds[action.cost_kind])}, {escape(action.cost_band)}</li>")
        parts.append("</ul>")
        parts.append(f"<h4>{escape(tr('References'))}</h4><ul>")
        parts += [f"<li>{escape(ref.label)}</li>" for ref in item.references]
        parts.append("</ul>")
        if item.source_status:
            parts.append(f"<p>{escape(tr('Kind of source'))} : {escape(item.source_status_label)}</p>")
        parts.append(f"<p>{escape(tr('Severity'))} : {item.severity}/4</p>")
        if item.from_cnil_draft:
            parts.append(f"<p><i>{escape(tr('From the CNIL draft recommendation put to consultation in 2025.'))}</i></p>")
        return "".join(parts)

    STATUS_KEYS = {Qt.Key.Key_1: 0, Qt.Key.Key_2: 1, Qt.Key.Key_3: 2, Qt.Key.Key_4: 3, Qt.Key.Key_5: 4}

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() in self.STATUS_KEYS:
            ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            if ctrl or (watched is self.tree and event.modifiers() == Qt.KeyboardModifier.NoModifier):
                self.set_current_status(list(Status)[self.STATUS_KEYS[event.key()]])
                return True
        return super().eventFilter(watched, event)

    # ---- saving --------------------------------------------------------------------------
    def set_current_status(self, status: Status) -> None:
        self._flush_comment()  # a date or comment typed just before the shortcut is kept too
        if self._current_id and self.form_widget.isEnabled():
            self.status_edit.setCurrentIndex(self.status_edit.findData(status.value))

    def _flush_comment(self) -> None:
        """Save what is typed but not yet saved (comment, dates) before the form changes item."""
        for field in (self.last_review_edit, self.next_review_edit):
            field.commit()
        if self._comment_timer.isActive():
            self._comment_timer.stop()
            self._save_comment()

    def _save_comment(self) -> None:
        self._save(comment=self.comment_edit.toPlainText())

    def _save(self, **changes) -> bool:
        """Save one change of the current item at once; False when it was not saved."""
        if self._loading or not self._current_id or not self.state.actor:
            return False
        item_id = self._current_id
        order = [item.id for item in self.state.ws.catalogue.items]
        self._saving = True  # the broadcast of this commit arrives during the call
        try:
            self.state.ws.checklist.set_assessment(self.state.actor, item_id, **changes)
        except ClinicGuardError as exc:
            self.saved_label.setStyleSheet("color: #b3261e;")
            self.saved_label.setText(str(exc))
            return False
        finally:
            self._saving = False
        self.saved_label.setStyleSheet("color: #2e7d32;")
        self.saved_label.setText(trc("assessment", "Saved"))
        row = next((r for r in self.state.ws.checklist.rows() if r.item.id == item_id), None)
        if row is not None:
            self.model.update_row(row)  # the filter may now hide it, moving the selection
        self._update_count()
        if row is not None and self._current_id == item_id:
            self._show_plan_button(row)
            self._show_dates(row)  # an answer sets "Last review" to today: the form shows it
        elif not self.proxy.mapFromSource(self.model.index_of_item(item_id)).isValid():
            # answered while filtered (e.g. "not assessed"): go on with the next item still shown
            self._select_next_visible(order, item_id)
            if row is not None:
                self._show_answered(row)
        return True

    def _show_answered(self, row) -> None:
        """Keep the item just answered (and now hidden by the filters) within reach."""
        gap = row.status in (Status.PARTIAL, Status.NON_COMPLIANT)
        if not gap:
            self.answered_bar.setVisible(False)
            self._answered_id = None
            return
        self._answered_id = row.item.id
        self.answered_label.setText(tr("{id} answered: {status}.", id=row.item.id, status=row.status.label))
        self.answered_label.setToolTip(pick(row.item.title))
        self.answered_plan_button.setVisible(self.receivers(SIGNAL("plan_requested(QString)")) > 0)
        self.answered_bar.setVisible(True)

    def show_answered(self) -> None:
        """Show the item answered last, whatever the filters hid."""
        item_id = self._answered_id
        if item_id:
            self.clear_filters()
            self.select_item(item_id)
            self.tree.setFocus()
            self.answered_bar.setVisible(False)

    def _select_next_visible(self, order: list[str], after: str) -> None:
        position = order.index(after) if after in order else -1
        for item_id in order[position + 1:] + list(reversed(order[:position])):
            if self.select_item(item_id):
                return
        self.tree.clearSelection()
        self._current_id = None
        self._show(None)

    def hideEvent(self, event) -> None:
        self._flush_comment()
        super().hideEvent(event)
