"""A Qt table model over the user rows of one memory snapshot in a run store.

Filtering and sorting happen in SQL (`RunStore.user_rows`). The model keeps the rows fetched so
far and loads further pages through `canFetchMore`/`fetchMore` as a view scrolls down.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ur4rec.store.run_store import USER_ROW_COLUMNS, RunStore

DEFAULT_PAGE_SIZE = 1000

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invalid index: the parent of every row of a flat table


class SnapshotUserModel(QAbstractTableModel):
    """Rows of (user id, interaction count, last update step, drift, norm) of one snapshot.

    Display values are formatted text. `Qt.UserRole` returns the stored value (None for a
    NaN drift or norm).
    """

    RAW_VALUE_ROLE = Qt.ItemDataRole.UserRole

    def __init__(self, parent=None, page_size: int = DEFAULT_PAGE_SIZE) -> None:
        super().__init__(parent)
        self._store: RunStore | None = None
        self._snapshot_id: int | None = None
        self._search = ""
        self._order_by = "user_id"
        self._descending = False
        self._page_size = page_size
        self._rows: list[tuple] = []
        self._total = 0

    # -- source, search and sort ----------------------------------------------------------

    def set_source(self, store: RunStore | None, snapshot_id: int | None) -> None:
        """Show the rows of `snapshot_id` in `store`, or nothing when either is None."""
        self._store = store
        self._snapshot_id = snapshot_id
        self.requery()

    def set_search(self, text: str) -> None:
        """Keep only users whose raw id contains `text` (case-insensitive)."""
        if text != self._search:
            self._search = text
            self.requery()

    @property
    def search(self) -> str:
        return self._search

    @property
    def snapshot_id(self) -> int | None:
        return self._snapshot_id

    @property
    def total_count(self) -> int:
        """Number of users that match the search, fetched or not."""
        return self._total

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(USER_ROW_COLUMNS):
            return
        self._order_by = USER_ROW_COLUMNS[column]
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.requery()

    def requery(self) -> None:
        """Reload the count and the first page from the store, for new data or a new order."""
        self.beginResetModel()
        self._rows = []
        self._total = 0
        if self._store is not None and self._snapshot_id is not None:
            self._total = self._store.count_users(self._snapshot_id, self._search)
            self._rows = self._fetch_page(0)
        self.endResetModel()

    # -- paging ---------------------------------------------------------------------------

    def canFetchMore(self, parent: Index = _ROOT) -> bool:
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: Index = _ROOT) -> None:
        if not self.canFetchMore(parent):
            return
        page = self._fetch_page(len(self._rows))
        if not page:
            # Rows were removed from the store since the count, so stop fetching.
            self._total = len(self._rows)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    def fetch_all(self) -> None:
        """Load every remaining page (for a full export of what the table shows, or tests)."""
        while self.canFetchMore():
            self.fetchMore()

    def _fetch_page(self, offset: int) -> list[tuple]:
        return self._store.user_rows(
            self._snapshot_id,
            search=self._search,
            order_by=self._order_by,
            descending=self._descending,
            limit=self._page_size,
            offset=offset,
        )

    # -- table model ----------------------------------------------------------------------

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(USER_ROW_COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = (
            self.tr("User id"),
            self.tr("Interactions"),
            self.tr("Last update step"),
            self.tr("Drift"),
            self.tr("Memory norm"),
        )
        return titles[section] if 0 <= section < len(titles) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        value = self._rows[index.row()][index.column()]
        if role == self.RAW_VALUE_ROLE:
            return value
        if role == Qt.ItemDataRole.DisplayRole:
            return self._format(index.column(), value)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _format(self, column: int, value) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return self.tr("n/a")
        if USER_ROW_COLUMNS[column] in ("drift", "norm"):
            return f"{value:.4g}"
        return str(value)

    # -- rows -----------------------------------------------------------------------------

    def user_id(self, row: int) -> str:
        return str(self._rows[row][0])

    def row_of_user(self, user_id: str) -> int | None:
        """Row of `user_id` among the fetched rows, or None."""
        for row, values in enumerate(self._rows):
            if values[0] == user_id:
                return row
        return None

    def column_values(self, name: str) -> list:
        """Stored values of the fetched rows in one column (a name from USER_ROW_COLUMNS)."""
        column = USER_ROW_COLUMNS.index(name)
        return [values[column] for values in self._rows]
