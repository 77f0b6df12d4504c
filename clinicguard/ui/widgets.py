"""Shared message boxes and small helpers for every page and dialog: a leaf module of the ui
package (it imports no other ui module), so no view needs the main window to show an error."""

from __future__ import annotations

# Qt's namespace is read when used, not at import: reading it builds its ~100 enum types (about 25 ms),
# which the sign-in dialog does not need; the window's modules, imported while the user types, build them.
from PySide6 import QtCore
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox, QWidget

from clinicguard.i18n import tr
from clinicguard.model.errors import ClinicGuardError


def show_error(parent: QWidget | None, error: BaseException) -> None:
    """Show an error in the user's language; unexpected errors say so without a traceback."""
    if isinstance(error, ClinicGuardError):
        QMessageBox.warning(parent, "ClinicGuard", str(error))
    else:
        QMessageBox.critical(parent, "ClinicGuard",
                             tr("Something went wrong: {error}. Nothing that was saved has been lost.", error=error))


class WaitCursor:
    """The wait cursor for a short piece of work done on the UI thread."""

    def __enter__(self):
        QGuiApplication.setOverrideCursor(QtCore.Qt.CursorShape.WaitCursor)

    def __exit__(self, *exc):
        QGuiApplication.restoreOverrideCursor()


def show_message(dialog: QDialog, label: QLabel, text: str) -> None:
    """Show a message in full: a dialog does not grow by itself for a word-wrapped label that
    needs more lines, so the end of the message (what to do next) would be cut off."""
    label.setText(text)
    dialog.layout().activate()
    needed = dialog.layout().totalHeightForWidth(dialog.width()) if dialog.layout().hasHeightForWidth() else 0
    if needed > dialog.height():
        dialog.resize(dialog.width(), needed)


def why_not(*checks: tuple[bool, str]) -> str:
    """The first reason whose condition fails, or "" when every condition holds."""
    return next((reason for ok, reason in checks if not ok), "")


def not_allowed() -> str:
    return tr("Your profile is not allowed to do this.")


def enable(widget: QWidget, reason: str) -> None:
    """Enable the widget when `reason` is empty; else disable it and say why in its tooltip
    (a greyed button that does not say why looks broken). Its own tooltip comes back once enabled."""
    normal = widget.property("normalToolTip")
    if normal is None:
        normal = widget.toolTip()
        widget.setProperty("normalToolTip", normal)
    widget.setEnabled(not reason)
    widget.setToolTip(f"{normal}\n{reason}".strip() if reason else normal)
