"""The User screen: one user's history, LLM preference text and top-K recommendations.

Loading a run (data, texts, embeddings and the best model of a stage) takes seconds and
recommending runs the model, so both happen in a background thread. Loaded runs are cached
per (run folder, stage, checkpoint modification time).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.screens.background import BackgroundRunner
from ur4rec.errors import UR4RecError
from ur4rec.llm import texts as text_sources
from ur4rec.models.moe import EXPERTS
from ur4rec.pipeline import Prepared
from ur4rec.runs import LoadedRun, Recommendation, open_run, recommend
from ur4rec.store.run_store import RunStore
from ur4rec.training.run_dir import RunDir

logger = logging.getLogger(__name__)

DEFAULT_K = 10
MAX_K = 200
MAX_CACHED_RUNS = 4

HELD_OUT_VALIDATION = "validation"
HELD_OUT_TEST = "test"
HELD_OUT_COLORS = {
    HELD_OUT_VALIDATION: QColor(255, 193, 7, 110),  # amber
    HELD_OUT_TEST: QColor(229, 57, 53, 110),  # red
}

RAW_VALUE_ROLE = Qt.ItemDataRole.UserRole

CacheKey = tuple[Path, str | None, int | None]


@dataclass(frozen=True)
class HistoryRow:
    """One interaction of the user, in time order."""

    position: int  # 1-based
    item_id: str
    title: str
    date: str  # yyyy-mm-dd in UTC, "" without a timestamp
    genres: str
    held_out: str  # "", HELD_OUT_VALIDATION or HELD_OUT_TEST


@dataclass(frozen=True)
class UserReport:
    """Everything the screen shows for one user, computed in the background thread."""

    user_id: str
    stage: str
    history: list[HistoryRow]
    preference_text: str
    preference_source: str
    recommendations: list[Recommendation]
    test_item_id: str  # "" for a user without a held-out test item


def history_rows(loaded: LoadedRun, user: int) -> list[HistoryRow]:
    """Return the full time-ordered sequence of internal user `user`, held-out items marked."""
    data, split = loaded.prepared.data, loaded.prepared.split
    sequence, timestamps = data.sequences[user], data.timestamps[user]
    held_out: dict[int, str] = {}
    # The leave-one-out split holds out the last two interactions of users who have targets.
    if split.test_target[user] > 0:
        held_out[len(sequence) - 2] = HELD_OUT_VALIDATION
        held_out[len(sequence) - 1] = HELD_OUT_TEST

    rows = []
    for position, item in enumerate(sequence.tolist()):
        info = data.items[item]
        date = ""
        if position < len(timestamps):
            moment = datetime.fromtimestamp(int(timestamps[position]), tz=UTC)
            date = moment.strftime("%Y-%m-%d")
        rows.append(HistoryRow(
            position=position + 1,
            item_id=data.item_raw_ids[item],
            title=info.title,
            date=date,
            genres=", ".join(info.genres),
            held_out=held_out.get(position, ""),
        ))
    return rows


def build_user_report(loaded: LoadedRun, user_id: str, k: int) -> UserReport:
    """Compute the recommendations and the history of raw user `user_id` (a slow call).

    Raises UnknownUserError for a user id that the run's data set does not contain.
    """
    recommendations = recommend(loaded, user_id, k)
    data, split, texts = loaded.prepared.data, loaded.prepared.split, loaded.prepared.texts
    user = data.user_index(user_id)
    test_item = int(split.test_target[user])
    return UserReport(
        user_id=user_id,
        stage=loaded.stage,
        history=history_rows(loaded, user),
        preference_text=texts.user_texts[user],
        preference_source=texts.user_sources[user],
        recommendations=recommendations,
        test_item_id=data.item_raw_ids[test_item] if test_item > 0 else "",
    )


def finished_stages(run_dir: Path) -> list[str]:
    """Stages of the run whose training finished, in the order they finished."""
    return list(RunDir(run_dir).read_state().get("completed", {}))


class LoadedRunCache:
    """The most recently used loaded runs, keyed by run folder, stage and checkpoint time."""

    def __init__(self, capacity: int = MAX_CACHED_RUNS) -> None:
        self._capacity = capacity
        self._runs: OrderedDict[CacheKey, LoadedRun] = OrderedDict()

    @staticmethod
    def key(run_dir: Path, stage: str | None) -> CacheKey:
        # The checkpoint time makes a stage trained again (a resumed run) load afresh.
        checkpoint = RunDir(run_dir).checkpoint(stage, "best") if stage else None
        mtime = checkpoint.stat().st_mtime_ns if checkpoint and checkpoint.is_file() else None
        return (run_dir.resolve(), stage, mtime)

    def get(self, key: CacheKey) -> LoadedRun | None:
        loaded = self._runs.get(key)
        if loaded is not None:
            self._runs.move_to_end(key)
        return loaded

    def put(self, key: CacheKey, loaded: LoadedRun) -> None:
        self._runs[key] = loaded
        self._runs.move_to_end(key)
        while len(self._runs) > self._capacity:
            self._runs.popitem(last=False)

    def prepared_for(self, run_dir: Path) -> Prepared | None:
        """Data and embeddings already loaded for another stage of the same run, if any."""
        root = run_dir.resolve()
        for (cached_dir, _, _), loaded in reversed(self._runs.items()):
            if cached_dir == root:
                return loaded.prepared
        return None


class GateBarDelegate(QStyledItemDelegate):
    """Draws a gate weight in [0, 1] as a bar behind its number."""

    BAR_COLOR = QColor(70, 130, 180, 120)

    def paint(self, painter, option, index) -> None:
        value = index.data(RAW_VALUE_ROLE)
        if isinstance(value, float):
            bar = option.rect.adjusted(2, 3, -2, -3)
            bar.setWidth(int(bar.width() * min(max(value, 0.0), 1.0)))
            painter.fillRect(bar, self.BAR_COLOR)
        super().paint(painter, option, index)


def _item(text: str, raw_value: object = None, numeric: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if raw_value is not None:
        item.setData(RAW_VALUE_ROLE, raw_value)
    if numeric:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _read_only_table(headers: list[str], stretch_column: int) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    return table


class UserScreen(QWidget):
    """Screen that shows a user's history, preference text and top-K items for a run stage."""

    run_dir_chosen = Signal(object)  # Path the user picked with the folder chooser
    report_shown = Signal(str)  # raw user id whose recommendations are now shown
    error_shown = Signal(str)  # message shown for a failed request

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._run_dir: Path | None = None
        self._cache = LoadedRunCache()
        self._request_id = 0
        self._runner = BackgroundRunner(self)
        self._runner.busy_changed.connect(self._on_busy_changed)
        self.report: UserReport | None = None

        self._build_ui()
        self.set_run_dir(None)

    # -- layout ---------------------------------------------------------------------------

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_controls())
        layout.addLayout(self._build_status_row())

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self._build_history_group())
        splitter.addWidget(self._build_preference_group())
        splitter.addWidget(self._build_recommendation_group())
        splitter.setSizes([300, 150, 300])
        layout.addWidget(splitter, 1)

    def _build_controls(self) -> QHBoxLayout:
        self.choose_button = QPushButton(self.tr("Choose run…"))
        self.choose_button.clicked.connect(self._choose_run_dir)
        self.run_label = QLabel()
        self.run_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.user_edit = QLineEdit()
        self.user_edit.setPlaceholderText(self.tr("Raw user id, e.g. 1"))
        self.user_edit.returnPressed.connect(lambda: self.request_recommendations())
        self.user_completer = QCompleter([], self)
        self.user_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.user_edit.setCompleter(self.user_completer)

        self.k_spin = QSpinBox()
        self.k_spin.setRange(1, MAX_K)
        self.k_spin.setValue(DEFAULT_K)
        self.stage_combo = QComboBox()
        self.stage_combo.setMinimumContentsLength(18)
        self.recommend_button = QPushButton(self.tr("Recommend"))
        # A lambda, so that clicked(bool) does not pass `checked` as the user id.
        self.recommend_button.clicked.connect(lambda: self.request_recommendations())

        controls = QHBoxLayout()
        controls.addWidget(self.choose_button)
        controls.addWidget(self.run_label, 1)
        controls.addWidget(QLabel(self.tr("User:")))
        controls.addWidget(self.user_edit)
        controls.addWidget(QLabel(self.tr("K:")))
        controls.addWidget(self.k_spin)
        controls.addWidget(QLabel(self.tr("Stage:")))
        controls.addWidget(self.stage_combo)
        controls.addWidget(self.recommend_button)
        return controls

    def _build_status_row(self) -> QHBoxLayout:
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # indeterminate: the library reports no progress here
        self.busy_bar.setMaximumWidth(160)
        self.busy_bar.setVisible(False)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(self.busy_bar)
        row.addWidget(self.message_label, 1)
        return row

    def _build_history_group(self) -> QGroupBox:
        self.history_title = QLabel()
        self.history_table = _read_only_table([
            self.tr("#"), self.tr("Item id"), self.tr("Title"), self.tr("Date (UTC)"),
            self.tr("Genres"), self.tr("Held out"),
        ], stretch_column=2)
        legend = QLabel(self.tr(
            "Highlighted rows are held out from training: the validation item (amber) and "
            "the test item (red)."
        ))
        legend.setWordWrap(True)
        group = QGroupBox(self.tr("Interaction history"))
        layout = QVBoxLayout(group)
        layout.addWidget(self.history_title)
        layout.addWidget(self.history_table, 1)
        layout.addWidget(legend)
        return group

    def _build_preference_group(self) -> QGroupBox:
        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        self.preference_text = QPlainTextEdit()
        self.preference_text.setReadOnly(True)
        group = QGroupBox(self.tr("LLM preference text"))
        layout = QVBoxLayout(group)
        layout.addWidget(self.source_label)
        layout.addWidget(self.preference_text, 1)
        return group

    def _build_recommendation_group(self) -> QGroupBox:
        self.recommendations_title = QLabel()
        self.recommendations_table = _read_only_table([
            self.tr("Rank"), self.tr("Item id"), self.tr("Title"), self.tr("Fused score"),
            self.tr("SASRec score"), self.tr("Retriever score"), self.tr("Gate: preference"),
            self.tr("Gate: description"), self.tr("Gate: item id"),
        ], stretch_column=2)
        self.gate_columns = {expert: 6 + i for i, expert in enumerate(EXPERTS)}
        delegate = GateBarDelegate(self.recommendations_table)
        for column in self.gate_columns.values():
            self.recommendations_table.setItemDelegateForColumn(column, delegate)
        group = QGroupBox(self.tr("Top-K recommendations"))
        layout = QVBoxLayout(group)
        layout.addWidget(self.recommendations_title)
        layout.addWidget(self.recommendations_table, 1)
        return group

    # -- run and stages -------------------------------------------------------------------

    @property
    def run_dir(self) -> Path | None:
        return self._run_dir

    @property
    def busy(self) -> bool:
        return self._runner.busy

    def set_run_dir(self, path: Path | str | None) -> None:
        """Show recommendations of the run in `path`. None clears the screen."""
        new_dir = Path(path) if path else None
        if new_dir != self._run_dir:
            self._run_dir = new_dir
            self._request_id += 1  # results of requests for the previous run are dropped
            self._clear_report()
            self._fill_user_completer(self._store_user_ids())
        self.run_label.setText(str(new_dir) if new_dir else self.tr("No run selected"))
        if new_dir is None:
            self._show_message(self.tr("No run selected. Choose a run folder to inspect a user."))
        elif not self.busy:
            self._show_message("")
        self.refresh_stages()

    def refresh_stages(self) -> None:
        """Fill the stage list from the run's state file, keeping the chosen stage."""
        previous = self.stage_combo.currentText()
        stages: list[str] = []
        if self._run_dir is not None:
            try:
                stages = finished_stages(self._run_dir)
            except UR4RecError as exc:
                self._show_error(str(exc))
        self.stage_combo.clear()
        self.stage_combo.addItems(stages)
        if previous in stages:
            self.stage_combo.setCurrentText(previous)
        else:
            self.stage_combo.setCurrentIndex(len(stages) - 1)
        self.stage_combo.setEnabled(bool(stages))
        if self._run_dir is not None and not stages:
            self._show_message(self.tr(
                "No stage of this run has finished yet. Recommendations need a trained stage."
            ))

    def showEvent(self, event: QShowEvent) -> None:
        # A training in another tab may have finished a stage since the list was read.
        super().showEvent(event)
        if event.type() == QEvent.Type.Show and self._run_dir is not None and not self.busy:
            self.refresh_stages()

    def _store_user_ids(self) -> list[str]:
        """User ids of the run's newest memory snapshot, for completion before the run loads."""
        if self._run_dir is None or not RunDir(self._run_dir).store_path.is_file():
            return []
        try:
            with RunStore(RunDir(self._run_dir).store_path, create=False) as store:
                snapshots = store.list_snapshots()
                if not snapshots:
                    return []
                rows = store.user_rows(snapshots[-1].id, limit=snapshots[-1].num_users)
        except UR4RecError as exc:
            logger.info("No user ids for completion from %s: %s", self._run_dir, exc)
            return []
        return [row[0] for row in rows]

    def _fill_user_completer(self, user_ids: list[str]) -> None:
        self.user_completer.model().setStringList(user_ids)

    def _choose_run_dir(self) -> None:
        start = str(self._run_dir or Path.cwd())
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a run folder"), start)
        if folder:
            self.set_run_dir(Path(folder))
            self.run_dir_chosen.emit(Path(folder))

    # -- requests -------------------------------------------------------------------------

    def request_recommendations(
        self, user_id: str | None = None, k: int | None = None, stage: str | None = None
    ) -> bool:
        """Load the run if needed, then recommend. Return False when nothing was started.

        Without arguments the user id, K and stage come from the controls. The result
        arrives later through `report_shown` or `error_shown`.
        """
        if user_id is not None:
            self.user_edit.setText(user_id)
        if k is not None:
            self.k_spin.setValue(k)
        if stage is not None:
            self.stage_combo.setCurrentText(stage)
        user_id = self.user_edit.text().strip()
        k = self.k_spin.value()
        stage = self.stage_combo.currentText() or None
        if self._run_dir is None:
            self._show_error(self.tr("No run selected. Choose a run folder first."))
            return False
        if not user_id:
            self._show_error(self.tr("Enter a raw user id, e.g. 1."))
            return False

        self._request_id += 1
        request_id = self._request_id
        key = self._cache.key(self._run_dir, stage)
        loaded = self._cache.get(key)
        if loaded is not None:
            self._start_report(request_id, loaded, user_id, k)
            return True

        if stage:
            self._show_message(self.tr("Loading the run (stage {0})…").format(stage))
        else:
            self._show_message(self.tr("Loading the run…"))
        self._runner.start(
            open_run, self._run_dir, stage, self._cache.prepared_for(self._run_dir),
            on_result=partial(self._on_run_loaded, request_id, key, user_id, k),
            on_error=partial(self._on_request_failed, request_id),
        )
        return True

    def _on_run_loaded(
        self, request_id: int, key: CacheKey, user_id: str, k: int, loaded: LoadedRun
    ) -> None:
        self._cache.put(key, loaded)
        self._fill_user_completer(loaded.prepared.data.user_raw_ids[1:])
        if request_id == self._request_id:
            self._start_report(request_id, loaded, user_id, k)

    def _start_report(self, request_id: int, loaded: LoadedRun, user_id: str, k: int) -> None:
        self._show_message(self.tr("Recommending for user {0}…").format(user_id))
        self._runner.start(
            build_user_report, loaded, user_id, k,
            on_result=partial(self._on_report, request_id),
            on_error=partial(self._on_request_failed, request_id),
        )

    def _on_report(self, request_id: int, report: UserReport) -> None:
        if request_id != self._request_id:
            return
        self.report = report
        self._show_history(report)
        self._show_preference(report)
        self._show_recommendations(report)
        self._show_message(self.tr("Top {0} items for user {1} from stage {2}.").format(
            len(report.recommendations), report.user_id, report.stage
        ))
        self.report_shown.emit(report.user_id)

    def _on_request_failed(self, request_id: int, exc: BaseException) -> None:
        if request_id != self._request_id:
            return
        if isinstance(exc, UR4RecError):
            message = str(exc)
        else:
            logger.error("Recommendation request failed", exc_info=exc)
            message = self.tr("Unexpected error ({0}): {1}\nThe log has the details.").format(
                type(exc).__name__, exc
            )
        self._show_error(message)

    def _on_busy_changed(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        self.recommend_button.setEnabled(not busy)
        self.user_edit.setReadOnly(busy)

    def shutdown(self) -> None:
        """Wait for a running load or recommendation (call before the window closes)."""
        self._request_id += 1
        self._runner.wait()

    # -- messages -------------------------------------------------------------------------

    def _show_message(self, text: str) -> None:
        self.message_label.setStyleSheet("")
        self.message_label.setText(text)

    def _show_error(self, text: str) -> None:
        self.message_label.setStyleSheet("color: #c62828;")
        self.message_label.setText(self.tr("Error: {0}").format(text))
        self.error_shown.emit(text)

    # -- results --------------------------------------------------------------------------

    def _clear_report(self) -> None:
        self.report = None
        self.history_table.setRowCount(0)
        self.recommendations_table.setRowCount(0)
        self.history_title.clear()
        self.recommendations_title.clear()
        self.source_label.clear()
        self.preference_text.clear()

    def _held_out_label(self, held_out: str) -> str:
        if held_out == HELD_OUT_VALIDATION:
            return self.tr("held out: validation")
        if held_out == HELD_OUT_TEST:
            return self.tr("held out: test")
        return ""

    def _show_history(self, report: UserReport) -> None:
        table = self.history_table
        table.setRowCount(len(report.history))
        for row, entry in enumerate(report.history):
            cells = [
                _item(str(entry.position), entry.position, numeric=True),
                _item(entry.item_id, entry.item_id),
                _item(entry.title),
                _item(entry.date),
                _item(entry.genres),
                _item(self._held_out_label(entry.held_out), entry.held_out),
            ]
            for column, cell in enumerate(cells):
                if entry.held_out:
                    cell.setBackground(HELD_OUT_COLORS[entry.held_out])
                table.setItem(row, column, cell)
        table.scrollToBottom()  # the held-out items are the last ones
        held_out = sum(1 for entry in report.history if entry.held_out)
        self.history_title.setText(
            self.tr("User {0}: {1} interactions, {2} held out for evaluation.").format(
                report.user_id, len(report.history), held_out
            )
        )

    def _show_preference(self, report: UserReport) -> None:
        self.source_label.setText(self.tr("Source: {0}. {1}").format(
            report.preference_source, self.source_explanation(report.preference_source)
        ))
        self.preference_text.setPlainText(report.preference_text)

    def source_explanation(self, source: str) -> str:
        """Return a sentence that explains where a user text with label `source` came from."""
        if source == text_sources.SOURCE_IMPORTED:
            return self.tr("The LLM wrote this text, and it was imported from the texts folder.")
        if source == text_sources.SOURCE_TEMPLATE:
            return self.tr(
                "There was no LLM text for this user, so an offline template built from the "
                "training history is used."
            )
        if source == text_sources.SOURCE_LEAK_REPLACED:
            return self.tr(
                "The LLM text named a held-out (validation or test) item, so it was replaced "
                "by an offline template built from the training history."
            )
        if source == text_sources.SOURCE_DROPPED:
            return self.tr(
                "The LLM text named a held-out item and the drop-leaking policy removed it, "
                "so this user has no preference text."
            )
        if source == text_sources.SOURCE_IMPORTED_LEAKING:
            return self.tr(
                "The LLM text names a held-out item and was kept (texts policy keep), so "
                "evaluation results for this user are optimistic."
            )
        return self.tr("Unknown source label.")

    def _show_recommendations(self, report: UserReport) -> None:
        table = self.recommendations_table
        table.setRowCount(len(report.recommendations))
        for row, rec in enumerate(report.recommendations):
            cells = [
                _item(str(rec.rank), rec.rank, numeric=True),
                _item(rec.item_id, rec.item_id),
                _item(rec.title),
                _item(f"{rec.fused:.4f}", rec.fused, numeric=True),
                _item(f"{rec.sasrec:.4f}", rec.sasrec, numeric=True),
                _item(f"{rec.retriever:.4f}", rec.retriever, numeric=True),
            ]
            cells += [
                _item(f"{rec.gates[expert]:.3f}", rec.gates[expert], numeric=True)
                for expert in EXPERTS
            ]
            hit = rec.item_id == report.test_item_id
            for column, cell in enumerate(cells):
                if hit:
                    cell.setBackground(HELD_OUT_COLORS[HELD_OUT_TEST])
                    cell.setToolTip(self.tr("This is the user's held-out test item."))
                table.setItem(row, column, cell)
        self.recommendations_title.setText(self.tr(
            "Top {0} items for user {1} from stage {2}, excluding items in the input "
            "sequence. Gates weigh the preference, description and item id experts."
        ).format(len(report.recommendations), report.user_id, report.stage))
