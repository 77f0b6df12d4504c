"""The checklist as a tree item model (domain > theme > recommendation) and its filter proxy."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor

from clinicguard.model.checklist import ChecklistRow, Status
from clinicguard.core.formatting import format_date
from clinicguard.i18n import pick, tr

STATUS_COLOURS = {
    Status.COMPLIANT: "#d7f0dc",
    Status.PARTIAL: "#fff1c7",
    Status.NON_COMPLIANT: "#f9d5d3",
    Status.NOT_ASSESSED: "#eceff3",
    Status.NOT_APPLICABLE: "#f7f7f7",
}

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2


class _Node:
    __slots__ = ("parent", "children", "label", "row", "key", "pos")

    def __init__(self, parent: "_Node | None", label: str = "", row: ChecklistRow | None = None, key: str = ""):
        self.parent, self.children, self.label, self.row, self.key = parent, [], label, row, key
        # position among its siblings, so that parent() is O(1)
        self.pos = len(parent.children) if parent is not None else 0


class ChecklistModel(QAbstractItemModel):
    COLUMNS = ("id", "title", "status", "responsible", "last_reviewed", "next_review", "evidence")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._root = _Node(None)
        self._by_id: dict[str, _Node] = {}
        self.evidence_counts: dict[str, int] = {}
        self._headers = self.headers()

    @staticmethod
    def headers() -> list[str]:
        return [tr("ID"), tr("Recommendation"), tr("Status"), tr("Responsible"), tr("Last review"),
                tr("Next review"), tr("Evidence")]

    def load(self, rows: list[ChecklistRow], catalogue, evidence_counts: dict[str, int] | None = None,
             retired: list[ChecklistRow] | None = None) -> None:
        """Replace the whole tree (a full reload is cheap at a hundred items)."""
        self.beginResetModel()
        self.evidence_counts = evidence_counts or {}
        self._root = _Node(None)
        self._by_id = {}
        domains: dict[str, _Node] = {}
        themes: dict[tuple[str, str], _Node] = {}
        for row in rows:
            item = row.item
            domain = domains.get(item.domain)
            if domain is None:
                domain = domains[item.domain] = _Node(self._root, catalogue.domain_title(item.domain), key=item.domain)
                self._root.children.append(domain)
            theme = themes.get((item.domain, item.theme))
            if theme is None:
                theme = themes[(item.domain, item.theme)] = _Node(domain, catalogue.theme_title(item.theme), key=item.theme)
                domain.children.append(theme)
            leaf = _Node(theme, pick(item.title), row=row, key=item.id)
            theme.children.append(leaf)
            self._by_id[item.id] = leaf
        if retired:
            heading = _Node(self._root, tr("Recommendations withdrawn from the catalogue (read-only)"), key="retired")
            self._root.children.append(heading)
            for row in retired:
                leaf = _Node(heading, pick(row.item.title), row=row, key=row.item.id)
                heading.children.append(leaf)
                self._by_id[row.item.id] = leaf
        self.endResetModel()

    def update_row(self, row: ChecklistRow) -> None:
        """Refresh one recommendation in place, keeping the selection and the expanded nodes."""
        node = self._by_id.get(row.item.id)
        if node is None:
            return
        node.row = row
        index = self._index_of(node)
        self.dataChanged.emit(index, index.siblingAtColumn(len(self.COLUMNS) - 1))

    def index_of_item(self, item_id: str) -> QModelIndex:
        node = self._by_id.get(item_id)
        return self._index_of(node) if node else QModelIndex()

    def _index_of(self, node: _Node) -> QModelIndex:
        return self.createIndex(node.pos, 0, node)

    # ---- QAbstractItemModel ----------------------------------------------------------------
    def _node(self, index: QModelIndex) -> _Node:
        return index.internalPointer() if index.isValid() else self._root

    def index(self, row: int, column: int, parent: QModelIndex = QModelIndex()) -> QModelIndex:
        node = self._node(parent)
        if 0 <= row < len(node.children) and 0 <= column < len(self.COLUMNS):
            return self.createIndex(row, column, node.children[row])
        return QModelIndex()

    def parent(self, index: QModelIndex) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        node = index.internalPointer().parent
        if node is None or node is self._root:
            return QModelIndex()
        return self.createIndex(node.pos, 0, node)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node: _Node = index.internalPointer()
        row = node.row
        column = self.COLUMNS[index.column()]
        if role == ROW_ROLE:
            return row
        if row is None:  # a domain or theme heading
            if role == Qt.ItemDataRole.DisplayRole and column == "id":
                return node.label
            if role == Qt.ItemDataRole.FontRole:
                from PySide6.QtGui import QFont

                font = QFont()
                font.setBold(True)
                return font
            return None
        if role == SEARCH_ROLE:
            item = row.item
            return " ".join([item.id, *item.title.values(), *item.question.values(), row.assessment.comment,
                             row.assessment.responsible]).casefold()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "id":
                return row.item.id
            if column == "title":
                return pick(row.item.title)
            if column == "status":
                return row.status.label
            if column == "responsible":
                return row.assessment.responsible
            if column == "last_reviewed":
                return format_date(row.assessment.last_reviewed)
            if column == "next_review":
                return format_date(row.assessment.next_review)
            if column == "evidence":
                count = self.evidence_counts.get(row.item.id, 0)
                return str(count) if count else ""
        if role == Qt.ItemDataRole.ForegroundRole and row.retired:
            return QBrush(QColor("#777777"))
        if role == Qt.ItemDataRole.BackgroundRole and column == "status":
            return QBrush(QColor(STATUS_COLOURS[row.status]))
        if role == Qt.ItemDataRole.ToolTipRole and column == "title":
            return pick(row.item.question)
        return None


class ChecklistFilter(QSortFilterProxyModel):
    """Filters recommendations by status, domain, responsible person and text; keeps headings
    whose children match."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.status: str | None = None
        self.domain: str | None = None
        self.responsible: str | None = None
        self.text = ""
        self.setRecursiveFilteringEnabled(True)

    def set_filters(self, *, status=None, domain=None, responsible=None, text="") -> None:
        self.beginFilterChange()
        self.status, self.domain, self.responsible, self.text = status, domain, responsible, text.casefold().strip()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        index = self.sourceModel().index(source_row, 0, source_parent)
        row: ChecklistRow | None = index.data(ROW_ROLE)
        if row is None:
            return not (self.status or self.domain or self.responsible or self.text)
        if self.status and row.status.value != self.status:
            return False
        if self.domain and row.item.domain != self.domain:
            return False
        if self.responsible is not None and row.assessment.responsible != self.responsible:
            return False
        if self.text and not all(word in index.data(SEARCH_ROLE) for word in self.text.split()):
            return False
        return True
