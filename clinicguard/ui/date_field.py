"""A date the user can type as DD/MM/YYYY or pick in a calendar, and may leave empty.

QDateEdit cannot be empty, and the usual work-around (a "blank" sentinel date) swallows the
slashes the user types and silently saves no date; a line edit keeps exactly what was typed.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QDate, QPoint, QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QCalendarWidget, QFrame, QHBoxLayout, QLineEdit, QToolButton, QVBoxLayout, QWidget

from clinicguard.model.errors import InvalidValue
from clinicguard.core.formatting import format_date, parse_date
from clinicguard.i18n import tr
from clinicguard.ui import look

INVALID_STYLE = "QLineEdit { color: #b3261e; border: 1px solid #b3261e; }"


def _read(text: str) -> str | None:
    """ISO date of what was typed (None if empty); raises InvalidValue if it is not a date."""
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"\d{8}", text):  # typed without separators: DDMMYYYY
        text = f"{text[:2]}/{text[2:4]}/{text[4:]}"
    return parse_date(text)


class DateField(QWidget):
    """`value()` is the ISO date or None; `changed(iso or None)` fires when the user finishes editing
    (Enter, leaving the field, or a pick in the calendar) and the text is a valid date or empty."""

    changed = Signal(object)

    def __init__(self, iso: str | None = None, parent=None):
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(tr("DD/MM/YYYY"))
        # digits and separators only; the exact shape is checked when the user finishes
        self.edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9/.\-]{0,10}"), self.edit))
        self.edit.setMinimumWidth(self.edit.fontMetrics().horizontalAdvance("00/00/00000") + 16)
        self.edit.setMaximumWidth(self.edit.fontMetrics().horizontalAdvance("00/00/0000") * 2)
        self.calendar_button = QToolButton()
        self.calendar_button.setIcon(look.icon("calendar"))  # an SVG icon: an emoji shows as a box without its font
        self.calendar_button.setToolTip(tr("Choose in a calendar"))
        self.calendar_button.setAccessibleName(tr("Choose in a calendar"))
        self.calendar_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.calendar_button)
        layout.addStretch(1)
        self.setFocusProxy(self.edit)

        self.popup = QFrame(self, Qt.WindowType.Popup)
        self.popup.setFrameShape(QFrame.Shape.StyledPanel)
        self.calendar = QCalendarWidget(self.popup)
        self.calendar.setGridVisible(True)
        popup_layout = QVBoxLayout(self.popup)
        popup_layout.setContentsMargins(0, 0, 0, 0)
        popup_layout.addWidget(self.calendar)
        # the calendar's arrows are icons only: named for screen readers
        for name, text in (("qt_calendar_prevmonth", tr("Previous month")), ("qt_calendar_nextmonth", tr("Next month"))):
            arrow = self.calendar.findChild(QToolButton, name)
            if arrow is not None:
                arrow.setAccessibleName(text)
                arrow.setToolTip(text)

        self._committed: str | None = None
        self.edit.textChanged.connect(lambda _: self._show_validity())
        self.edit.editingFinished.connect(self._finish)
        self.calendar_button.clicked.connect(self.open_calendar)
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        self.set_value(iso)

    # ---- value -----------------------------------------------------------------------------
    def value(self) -> str | None:
        """The ISO date typed or picked; None when empty or not a valid date (see `is_valid`)."""
        try:
            return _read(self.edit.text())
        except InvalidValue:
            return None

    def checked_value(self) -> str | None:
        """Like `value()`, but raises InvalidValue (with a message for the user) for invalid text."""
        return _read(self.edit.text())

    def is_valid(self) -> bool:
        try:
            _read(self.edit.text())
        except InvalidValue:
            return False
        return True

    def set_value(self, iso: str | date | None) -> None:
        """Show a date (or nothing) without emitting `changed`."""
        self.edit.setText(format_date(iso) if iso else "")
        self._committed = self.value()
        self._show_validity()

    def text(self) -> str:
        return self.edit.text()

    # ---- editing ---------------------------------------------------------------------------
    def _show_validity(self) -> None:
        valid = self.is_valid()
        self.edit.setStyleSheet("" if valid else INVALID_STYLE)
        self.edit.setToolTip("" if valid else tr("Not a date: type it as DD/MM/YYYY, e.g. 31/12/2026."))

    def commit(self) -> None:
        """Emit `changed` now for a finished but not yet committed text (e.g. before the form
        switches to another item); does nothing when the text is invalid or unchanged."""
        self._finish()

    def refuse(self) -> None:
        """The receiver could not save the last value: the next Enter or focus change retries."""
        self._committed = object()  # matches no value, so the same date is emitted again

    def _finish(self) -> None:
        if not self.is_valid():
            return  # stays red; nothing is saved
        value = self.value()
        if value is not None:  # 31122026 or 2026-12-31 become 31/12/2026
            self.edit.setText(format_date(value))
        if value != self._committed:
            self._committed = value
            self.changed.emit(value)

    def open_calendar(self) -> None:
        """Show the calendar on the current date, or on today when the field is empty."""
        iso = self.value()
        day = date.fromisoformat(iso) if iso else date.today()
        self.calendar.setSelectedDate(QDate(day.year, day.month, day.day))
        self.popup.adjustSize()
        self.popup.move(self.mapToGlobal(QPoint(0, self.height())))
        self.popup.show()
        self.calendar.setFocus()

    def _picked(self, day: QDate) -> None:
        self.popup.hide()
        self.edit.setText(format_date(date(day.year(), day.month(), day.day())))
        self._finish()
