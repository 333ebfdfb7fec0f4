"""The Texts screen's browser: the cached texts of one kind, searchable, with prompt and answer.

The cache is read from the UI thread: one indexed query of at most a few tens of thousands of
short rows, which SQLite's WAL mode allows while a generation run writes to the same file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.screens.text_source import DatasetLoader, LoadedDataset, TextSource
from app.screens.text_table_model import CachedTextFilter, CachedTextModel
from ur4rec.errors import UR4RecError
from ur4rec.llm.cache import CACHE_FILE, STATUS_MODERATED, STATUSES, CachedText, TextCache
from ur4rec.llm.generate import OFFLINE_MODEL
from ur4rec.llm.prompts import build_prompt, load_template

logger = logging.getLogger(__name__)


class TextBrowser(QGroupBox):
    """Pick a kind and a (model, template) group of the cache, filter it, inspect one text."""

    def __init__(self, source: Callable[[], TextSource], loader: DatasetLoader,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Cached texts"))
        self.source = source
        self.loader = loader
        self.model = CachedTextModel(self)
        self.proxy = CachedTextFilter(self)
        self.proxy.setSourceModel(self.model)
        self.current: CachedText | None = None
        self._message = ""  # an error or empty-cache message that replaces the row count
        self._build()

    def _build(self) -> None:
        self.kind_combo = QComboBox()
        self.kind_combo.addItem(self.tr("Item descriptions"), "items")
        self.kind_combo.addItem(self.tr("User preferences"), "users")
        self.kind_combo.currentIndexChanged.connect(lambda _index: self.refresh())
        self.group_combo = QComboBox()
        self.group_combo.setToolTip(self.tr("Model and prompt template the texts were made with"))
        self.group_combo.currentIndexChanged.connect(lambda _index: self._load_group())
        self.status_combo = QComboBox()
        self.status_combo.addItem(self.tr("All statuses"), "")
        for status in STATUSES:
            self.status_combo.addItem(status, status)
        self.status_combo.currentIndexChanged.connect(lambda _index: self._on_status())
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("Search id, title or text"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(self._on_search)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.clicked.connect(self.refresh)

        filters = QHBoxLayout()
        filters.addWidget(self.kind_combo)
        filters.addWidget(self.group_combo, 1)
        filters.addWidget(self.status_combo)
        filters.addWidget(self.refresh_button)

        self.count_label = QLabel()
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(CachedTextModel.ID, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(CachedTextModel.TEXT, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)

        self.info_label = QLabel(self.tr("Select a text to see its prompt and answer."))
        self.info_label.setWordWrap(True)
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.prompt_view = QPlainTextEdit()
        self.prompt_view.setReadOnly(True)
        self.answer_view = QPlainTextEdit()
        self.answer_view.setReadOnly(True)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.info_label)
        detail_layout.addWidget(QLabel(self.tr("Prompt")))
        detail_layout.addWidget(self.prompt_view, 1)
        detail_layout.addWidget(QLabel(self.tr("Answer")))
        detail_layout.addWidget(self.answer_view, 1)

        table_part = QWidget()
        table_layout = QVBoxLayout(table_part)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addLayout(filters)
        table_layout.addWidget(self.search_edit)
        table_layout.addWidget(self.table, 1)
        table_layout.addWidget(self.count_label)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(table_part)
        splitter.addWidget(detail)
        splitter.setSizes([460, 340])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    # -- loading ----------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    def set_kind(self, kind: str) -> None:
        index = self.kind_combo.findData(kind)
        if index >= 0 and index != self.kind_combo.currentIndex():
            self.kind_combo.setCurrentIndex(index)  # refreshes
        else:
            self.refresh()

    def refresh(self) -> None:
        """Reread the groups of the current kind, keeping the chosen group when it still exists."""
        previous = self.group_combo.currentData()
        path = self.source().out_dir / CACHE_FILE
        groups: list[tuple[str, str, int]] = []
        message = ""
        if path.is_file():
            try:
                with TextCache(path) as cache:
                    groups = cache.groups(self.kind)
            except UR4RecError as err:
                message = str(err)
        else:
            message = self.tr("No text cache in {folder} yet.").format(folder=path.parent)
        self.group_combo.blockSignals(True)
        self.group_combo.clear()
        for model, digest, count in groups:
            label = self.tr("{model} · template {digest} · {count} texts").format(
                model=model, digest=digest, count=count
            )
            self.group_combo.addItem(label, (model, digest))
        index = self.group_combo.findData(previous) if previous is not None else -1
        self.group_combo.setCurrentIndex(max(index, 0) if groups else -1)
        self.group_combo.blockSignals(False)
        self._load_group(message)

    def _load_group(self, message: str = "") -> None:
        group = self.group_combo.currentData()
        entries: list[CachedText] = []
        if group is not None:
            model, digest = group
            try:
                with TextCache(self.source().out_dir / CACHE_FILE) as cache:
                    entries = cache.entries(self.kind, digest, model)
            except UR4RecError as err:
                message = str(err)
        elif not message:
            message = self.tr("The cache contains no texts of this kind yet.")
        self.model.set_entries(entries, self._names())
        # Users have no name beside their id; items show their title.
        self.table.setColumnHidden(CachedTextModel.NAME, self.kind != "items")
        self._message = message
        self.count_label.setText(message or self._count_text())
        self._show_entry(None)
        if entries and self.kind == "items" and not self.model.names:
            self._request_dataset(lambda loaded: self._apply_names())

    def _names(self) -> dict[str, str]:
        source = self.source()
        loaded = self.loader.cached(source.data_kind, source.data_path)
        if loaded is None or self.kind != "items":
            return {}
        return {loaded.data.item_raw_ids[i]: loaded.data.items[i].title
                for i in range(1, len(loaded.data.item_raw_ids))}

    def _apply_names(self) -> None:
        names = self._names()
        if names and self.model.entries:
            self.model.set_entries(self.model.entries, names)
            if not self._message:
                self.count_label.setText(self._count_text())

    def _count_text(self) -> str:
        return self.tr("{shown} of {total} texts shown").format(
            shown=self.proxy.rowCount(), total=self.model.rowCount()
        )

    def _request_dataset(self, on_result: Callable[[LoadedDataset], None]) -> None:
        source = self.source()
        if not source.data_path.exists():
            return
        self.loader.request(source.data_kind, source.data_path, on_result,
                            on_error=lambda exc: logger.info("data set not loaded: %s", exc))

    # -- selection --------------------------------------------------------------------------

    def _on_status(self) -> None:
        self.proxy.set_status(str(self.status_combo.currentData()))
        if not self._message:
            self.count_label.setText(self._count_text())

    def _on_search(self, text: str) -> None:
        self.proxy.set_search(text)
        if not self._message:
            self.count_label.setText(self._count_text())

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self._show_entry(None)
            return
        self._show_entry(self.model.entry(self.proxy.mapToSource(rows[0]).row()))

    def select_raw_id(self, raw_id: str) -> bool:
        """Select the row of `raw_id` if the filter shows it; return whether it did."""
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, CachedTextModel.ID)
            if index.data() == raw_id:
                self.table.selectRow(row)
                self.table.scrollTo(index)
                return True
        return False

    def _show_entry(self, entry: CachedText | None) -> None:
        self.current = entry
        if entry is None:
            self.info_label.setText(self.tr("Select a text to see its prompt and answer."))
            self.prompt_view.clear()
            self.answer_view.clear()
            return
        subject = self.tr("Item {id}") if self.kind == "items" else self.tr("User {id}")
        self.info_label.setText(
            self.tr(
                "{what} · {status} · {prompt_tokens} prompt + {completion_tokens} completion "
                "tokens · request {request} · {created}"
            ).format(
                what=subject.format(id=entry.raw_id),
                status=entry.status,
                prompt_tokens=entry.prompt_tokens,
                completion_tokens=entry.completion_tokens,
                request=entry.request_id or "—",
                created=entry.created_at,
            )
        )
        answer = entry.text
        if entry.status == STATUS_MODERATED:
            answer = self.tr(
                "(Moderation rejected this prompt; the offline template text below is used.)"
            ) + "\n\n" + answer
        self.answer_view.setPlainText(answer)
        self._show_prompt(entry)

    def _show_prompt(self, entry: CachedText) -> None:
        if entry.model == OFFLINE_MODEL:
            self.prompt_view.setPlainText(
                self.tr("Offline template texts are written without a prompt.")
            )
            return
        self.prompt_view.setPlainText(self.tr("Loading the data set…"))
        kind = self.kind
        source = self.source()

        def show(loaded: LoadedDataset) -> None:
            if self.current is not entry:
                return  # another row was selected meanwhile
            self.prompt_view.setPlainText(self.prompt_text(loaded, kind, entry))

        def fail(exc: BaseException) -> None:
            if self.current is entry:
                self.prompt_view.setPlainText(
                    self.tr("Cannot load the data set: {error}").format(error=exc)
                )

        if not source.data_path.exists():
            fail(FileNotFoundError(str(source.data_path)))
            return
        self.loader.request(source.data_kind, source.data_path, show, fail)


    def prompt_text(self, loaded: LoadedDataset, kind: str, entry: CachedText) -> str:
        """Rebuild the prompt of a cached text from the data set, noting a changed template."""
        internal = loaded.internal_id(kind, entry.raw_id)
        if internal is None:
            return self.tr("Id {id} is not in the data set {path}.").format(
                id=entry.raw_id, path=loaded.path
            )
        template = load_template(kind)
        prompt = build_prompt(kind, loaded.data, loaded.split, internal, template)
        if template.hash != entry.template_hash:
            note = self.tr(
                "This text was made with prompt template {old}; the prompt below uses the "
                "current template {new}."
            ).format(old=entry.template_hash, new=template.hash)
            return note + "\n\n" + prompt
        return prompt
