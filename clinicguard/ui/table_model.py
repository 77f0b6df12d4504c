"""The base of the flat table models: rows in a Python list, one header per column."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt


class RowsTableModel(QAbstractTableModel):
    """A flat table over a Python list: subclasses give the column headers and implement data()."""

    def __init__(self, headers: Sequence[str], parent=None):
        super().__init__(parent)
        self.headers: list[str] = list(headers)
        self.rows: list[Any] = []

    def set_rows(self, rows: list[Any]) -> None:
        """Replace the rows (the list itself, not a copy) and reset the views."""
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None


def plain_tooltip(text: str | None) -> str | None:
    """A tooltip showing `text` exactly as typed: Qt would render a text that looks like HTML
    (a comment "<b>x</b>", a note with an <img>) as rich text."""
    if not text:
        return None
    return "<p style='white-space:pre-wrap'>" + html.escape(str(text)) + "</p>"
