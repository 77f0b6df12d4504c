"""Tables that fit the window: one column takes the width left (the long text, elided with "…"
and shown whole in a tooltip), the others get what their header and typical content need, and
the user can hide or show columns from the header's context menu (remembered with the window)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QAction, QHelpEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QToolTip, QTreeView

from clinicguard.i18n import tr


def _header(view: QAbstractItemView) -> QHeaderView:
    return view.header() if isinstance(view, QTreeView) else view.horizontalHeader()  # type: ignore[attr-defined]


def fit_columns(view: QAbstractItemView, *, stretch: int, widths: dict[int, int] | None = None,
                samples: dict[int, Iterable[str]] | None = None, optional: Iterable[int] = (),
                min_stretch: int = 240) -> None:
    """`stretch` takes the room left; each other column gets the largest of its header's need,
    `widths[column]` and the widest of `samples[column]` (e.g. every status label, the largest
    sum of money), so that none of them is ever cut. When the table is too narrow for all of
    them and `min_stretch` pixels of the long text, the `optional` columns are hidden, first
    named first (no horizontal scrollbar), until the user picks the columns in the header's menu."""
    header = _header(view)
    model = view.model()
    header.setStretchLastSection(False)
    header.setMinimumSectionSize(40)
    metrics = view.fontMetrics()
    needs: dict[int, int] = {}
    for column in range(model.columnCount()):
        if column == stretch:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            continue
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        need = header.sectionSizeHint(column)
        if widths and column in widths:
            need = max(need, widths[column])
        if samples and column in samples:
            need = max([need, *(metrics.horizontalAdvance(s) + 18 for s in samples[column])])
        needs[column] = need
        header.resizeSection(column, need)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    _offer_column_menu(view, header)
    fitter = OptionalColumns(view, header, list(optional), min_stretch, needs)
    view.installEventFilter(fitter)
    view._optional_columns = fitter  # type: ignore[attr-defined]
    fitter.fit()
    tip = ElidedTooltips(view)
    view.viewport().installEventFilter(tip)
    view.setProperty("elidedTooltips", True)
    view._elided_tooltips = tip  # type: ignore[attr-defined]  # kept alive with the view


def _offer_column_menu(view: QAbstractItemView, header: QHeaderView) -> None:
    header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def chosen(column: int, on: bool) -> None:
        header.setSectionHidden(column, not on)
        header.setProperty("userColumns", True)  # the user's choice wins over the automatic fit

    def show_menu(pos: QPoint) -> None:
        menu = QMenu(header)
        menu.setTitle(tr("Columns shown"))
        model = view.model()
        shown = [c for c in range(model.columnCount()) if not header.isSectionHidden(c)]
        for column in range(model.columnCount()):
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or "") or tr("(no title)")
            action = QAction(title, menu)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.setEnabled(not (column in shown and len(shown) == 1))  # never hide the last one
            action.toggled.connect(lambda on, c=column: chosen(c, on))
            menu.addAction(action)
        menu.exec(header.mapToGlobal(pos))

    header.customContextMenuRequested.connect(show_menu)


class OptionalColumns(QObject):
    """Hides the optional columns the table has no room for, and shows them again when it has."""

    def __init__(self, view, header: QHeaderView, optional: list[int], min_stretch: int, needs: dict[int, int]):
        super().__init__(view)
        self.view, self.header, self.optional, self.min_stretch, self.needs = view, header, optional, min_stretch, needs

    def eventFilter(self, watched, event) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.fit()
        return False

    def fit(self) -> None:
        if not self.optional or self.header.property("userColumns"):
            return
        room = self.view.viewport().width() or self.view.width()
        hide: set[int] = set()
        for column in [*self.optional, None]:
            used = sum(w for c, w in self.needs.items() if c not in hide)
            if used + self.min_stretch <= room or column is None:
                break
            hide.add(column)
        for column in self.optional:
            if self.header.isSectionHidden(column) != (column in hide):
                self.header.setSectionHidden(column, column in hide)


class ElidedTooltips(QObject):
    """A cell whose text is cut ("Partiellement confor…") shows it whole in a tooltip, unless the
    model gives a tooltip of its own."""

    def __init__(self, view: QAbstractItemView):
        super().__init__(view)
        self.view = view

    def eventFilter(self, watched, event) -> bool:
        if event.type() != QEvent.Type.ToolTip or not isinstance(event, QHelpEvent):
            return False
        index = self.view.indexAt(event.pos())
        if not index.isValid() or index.data(Qt.ItemDataRole.ToolTipRole):
            return False
        text = full_text_if_cut(self.view, index)
        if not text:
            return False
        QToolTip.showText(event.globalPos(), text, self.view.viewport())
        return True


def full_text_if_cut(view: QAbstractItemView, index) -> str:
    """The cell's text when its column is too narrow to show it whole, else ""."""
    text = index.data(Qt.ItemDataRole.DisplayRole)
    if text is None:
        return ""
    text = str(text)
    needed = view.fontMetrics().horizontalAdvance(text) + 12
    return text if needed > view.visualRect(index).width() else ""
