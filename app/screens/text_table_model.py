"""The Texts screen's table of cached texts and its search and status filter."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from ur4rec.llm.cache import CachedText

AnyIndex = QModelIndex | QPersistentModelIndex
# Maximum characters of text in a table cell; the detail pane shows the whole text.
CELL_TEXT_CHARS = 160


class CachedTextModel(QAbstractTableModel):
    """One row per cached text: id, name (an item's title), status, tokens and the text."""

    ID, NAME, STATUS, TOKENS, TEXT = range(5)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.entries: list[CachedText] = []
        self.names: dict[str, str] = {}

    def set_entries(self, entries: list[CachedText], names: dict[str, str] | None = None) -> None:
        """Replace the rows; `names` maps a raw id to the name shown beside it."""
        self.beginResetModel()
        self.entries = list(entries)
        self.names = dict(names or {})
        self.endResetModel()

    def entry(self, row: int) -> CachedText:
        return self.entries[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else 5

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return (self.tr("ID"), self.tr("Name"), self.tr("Status"), self.tr("Tokens"),
                self.tr("Text"))[section]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        entry = self.entries[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.ID:
                return entry.raw_id
            if column == self.NAME:
                return self.names.get(entry.raw_id, "")
            if column == self.STATUS:
                return entry.status
            if column == self.TOKENS:
                return entry.prompt_tokens + entry.completion_tokens
            text = " ".join(entry.text.split())
            return text if len(text) <= CELL_TEXT_CHARS else text[: CELL_TEXT_CHARS - 1] + "…"
        if role == Qt.ItemDataRole.ToolTipRole and column == self.TEXT:
            return entry.text
        if role == Qt.ItemDataRole.UserRole:
            # The sort key: ids numerically where they are numbers.
            if column == self.ID:
                return (0, int(entry.raw_id), "") if entry.raw_id.isdigit() else (1, 0, entry.raw_id)
            if column == self.TOKENS:
                return entry.prompt_tokens + entry.completion_tokens
        return None


class CachedTextFilter(QSortFilterProxyModel):
    """Keeps rows whose status matches and whose id, name or text contains the search words."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self._status = ""
        self.setSortRole(Qt.ItemDataRole.UserRole)

    def set_search(self, text: str) -> None:
        self.beginFilterChange()
        self._words = text.casefold().split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_status(self, status: str) -> None:
        """Show only rows with `status`; an empty string shows every status."""
        self.beginFilterChange()
        self._status = status
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:  # noqa: N802
        a = left.data(Qt.ItemDataRole.UserRole)
        b = right.data(Qt.ItemDataRole.UserRole)
        if a is None or b is None:
            return str(left.data()) < str(right.data())
        return a < b

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:  # noqa: N802
        model = self.sourceModel()
        if not isinstance(model, CachedTextModel):
            return True
        entry = model.entry(source_row)
        if self._status and entry.status != self._status:
            return False
        if not self._words:
            return True
        haystack = " ".join(
            (entry.raw_id, model.names.get(entry.raw_id, ""), entry.text)
        ).casefold()
        return all(word in haystack for word in self._words)
