"""The Run screen: start, stop and resume training, with live progress, plots, log and metrics."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.error_banner import ErrorBanner
from app.event_relay import EventBatch, EventRelay
from app.metrics_table import MetricsTable
from app.plots import LivePlots
from app.preload import preload_training_modules
from app.progress_panel import ProgressPanel
from app.settings import Settings
from app.training_worker import RunRequest, TrainingController, WorkerError
from ur4rec.config import STAGES, Config, load_config
from ur4rec.errors import UR4RecError
from ur4rec.store.run_store import RunStore
from ur4rec.training import events as ev
from ur4rec.training.run_dir import RunDir, read_json

logger = logging.getLogger(__name__)

MAX_LOG_LINES = 10_000


def resumable_stages(run_dir: Path) -> list[str]:
    """Return the unfinished stages of the run in `run_dir` (empty: nothing to resume)."""
    run = RunDir(run_dir)
    if not run.state_path.is_file() or not run.config_path.is_file():
        return []
    try:
        state = run.read_state()
        stages = load_config(run.config_path).training.stages
    except UR4RecError:
        return []
    return [stage for stage in stages if stage not in state.get("completed", {})]


class RunScreen(QWidget):
    """Runs one training at a time in a worker thread and shows what it reports."""

    runFinished = Signal(object)  # Path of a run directory with at least one finished stage
    runningChanged = Signal(bool)
    statusMessage = Signal(str)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.config: Config | None = None
        self.config_name = "untitled"
        self._auto_folder = True
        self._completed_before: list[str] = []

        self.relay = EventRelay(parent=self)
        self.relay.batchReady.connect(self._on_batch)
        self.controller = TrainingController(self.relay, self)
        self.controller.succeeded.connect(self._on_succeeded)
        self.controller.failed.connect(self._on_failed)
        self.controller.ended.connect(self._on_ended)

        self._build_controls()
        self._build_views()
        self._layout()
        self.new_run_folder()
        self._update_buttons()

    # -- construction -----------------------------------------------------------------------

    def _build_controls(self) -> None:
        self.folder_edit = QLineEdit()
        self.folder_edit.setToolTip(
            self.tr(
                "Run folder: checkpoints, results.json, the run store and "
                "TensorBoard files are written here"
            )
        )
        self.folder_edit.textEdited.connect(self._on_folder_edited)
        self.browse_button = QPushButton(self.tr("Browse…"))
        self.browse_button.clicked.connect(self._browse_folder)
        self.new_folder_button = QToolButton()
        self.new_folder_button.setText(self.tr("New"))
        self.new_folder_button.setToolTip(
            self.tr("Use a new timestamped folder under the runs folder")
        )
        self.new_folder_button.clicked.connect(self.new_run_folder)

        self.run_all_button = QPushButton(self.tr("Run all stages"))
        self.run_all_button.clicked.connect(lambda: self.start_run())
        self.stage_combo = QComboBox()
        self.stage_combo.addItems(STAGES)
        self.run_stage_button = QPushButton(self.tr("Run stage"))
        self.run_stage_button.clicked.connect(
            lambda: self.start_run([self.stage_combo.currentText()])
        )
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setToolTip(
            self.tr("Stop after the current batch and save a resumable checkpoint")
        )
        self.stop_button.clicked.connect(self.request_stop)
        self.resume_button = QPushButton(self.tr("Resume"))
        self.resume_button.setToolTip(self.tr("Continue the stopped run in the run folder"))
        self.resume_button.clicked.connect(lambda: self.start_run(resume=True))
        self.export_plots_button = QPushButton(self.tr("Export plots…"))
        self.export_plots_button.clicked.connect(self._export_plots)
        self.banner = ErrorBanner()
        self.memory_label = QLabel()

    def _build_views(self) -> None:
        self.progress = ProgressPanel()
        self.plots = LivePlots()
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(MAX_LOG_LINES)
        self.log_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.metrics = MetricsTable()
        self.metrics.exportRequested.connect(self._export_metrics)
        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.addTab(self.log_view, self.tr("Log"))
        self.bottom_tabs.addTab(self.metrics, self.tr("Metrics"))

    def _layout(self) -> None:
        folder_row = QHBoxLayout()
        folder_row.addWidget(QLabel(self.tr("Run folder:")))
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.new_folder_button)
        folder_row.addWidget(self.browse_button)

        button_row = QHBoxLayout()
        button_row.addWidget(self.run_all_button)
        button_row.addWidget(self.run_stage_button)
        button_row.addWidget(self.stage_combo)
        button_row.addWidget(self.stop_button)
        button_row.addWidget(self.resume_button)
        button_row.addStretch(1)
        button_row.addWidget(self.export_plots_button)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.progress)
        left_layout.addWidget(self.memory_label)
        left_layout.addStretch(1)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(left)
        top.addWidget(self.plots)
        top.setStretchFactor(0, 1)
        top.setStretchFactor(1, 3)
        top.setSizes([380, 900])
        vertical = QSplitter(Qt.Orientation.Vertical)
        vertical.addWidget(top)
        vertical.addWidget(self.bottom_tabs)
        vertical.setStretchFactor(0, 3)
        vertical.setStretchFactor(1, 2)
        vertical.setSizes([520, 300])

        layout = QVBoxLayout(self)
        layout.addLayout(folder_row)
        layout.addLayout(button_row)
        layout.addWidget(self.banner)
        layout.addWidget(vertical, 1)

    # -- inputs from the window -------------------------------------------------------------

    def set_config(self, config: Config | None, name: str) -> None:
        """Use `config` for the next run. None (an invalid config) disables the Run buttons."""
        self.config = config
        if name != self.config_name:
            self.config_name = name
            if self._auto_folder:
                self.new_run_folder()
        self._update_buttons()

    def new_run_folder(self) -> None:
        """Point the run folder at `<runs folder>/<config name>-<timestamp>`."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        self.folder_edit.setText(str(self.settings.runs_folder / f"{self.config_name}-{stamp}"))
        self._auto_folder = True
        self._update_buttons()

    def open_run_dir(self, path: Path) -> None:
        """Show an existing run: its folder (for Resume), stage states, curves and results."""
        run = RunDir(Path(path))
        self.folder_edit.setText(str(run.root))
        self._auto_folder = False
        self.banner.hide()
        self.plots.reset()
        self.metrics.set_results({})
        try:
            self._show_saved_run(run)
        except UR4RecError as exc:
            self.banner.show_error(str(exc))
        self._update_buttons()

    def _show_saved_run(self, run: RunDir) -> None:
        state = run.read_state()
        stages = load_config(run.config_path).training.stages
        self.progress.show_saved_state(
            stages, list(state.get("completed", {})), state.get("current")
        )
        if run.store_path.is_file():
            store = RunStore(run.store_path, create=False)
            try:
                self.plots.replay(store.metrics())
            finally:
                store.close()
        if run.results_path.is_file():
            self.metrics.set_results(read_json(run.results_path))
            self.bottom_tabs.setCurrentWidget(self.metrics)

    def run_folder(self) -> Path:
        return Path(self.folder_edit.text().strip()).expanduser()

    def _on_folder_edited(self, _text: str) -> None:
        self._auto_folder = False
        self._update_buttons()

    def _browse_folder(self) -> None:
        start = str(
            self.run_folder().parent
            if self.run_folder().parent.is_dir()
            else self.settings.runs_folder
        )
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a run folder"), start)
        if folder:
            self.folder_edit.setText(folder)
            self._auto_folder = False
            self._update_buttons()

    # -- starting and stopping --------------------------------------------------------------

    def is_running(self) -> bool:
        return self.controller.is_running()

    def start_run(self, stages: list[str] | None = None, resume: bool = False) -> bool:
        """Start training in the worker thread. Return False when nothing was started."""
        if self.is_running():
            return False
        if not resume and self.config is None:
            self.banner.show_error(
                self.tr("The config is invalid; fix it on the Config screen first.")
            )
            return False
        if not resume and self._auto_folder:
            self.new_run_folder()
        run_dir = self.run_folder()
        if not str(run_dir).strip() or str(run_dir) == ".":
            self.banner.show_error(self.tr("Choose a run folder first."))
            return False

        self.banner.hide()
        self.plots.reset()
        self.metrics.set_results({})
        self.bottom_tabs.setCurrentWidget(self.log_view)
        self.memory_label.clear()
        self._completed_before = self._completed_stages(run_dir) if resume else []

        request = RunRequest(
            config=None if resume else self.config,
            run_dir=run_dir,
            stages=tuple(stages) if stages else None,
            resume=resume,
            base_folder=self.settings.data_folder,
        )
        if resume:
            self._append_log(self.tr("Resuming the run in {folder}").format(folder=run_dir))
        else:
            self._append_log(self.tr("Starting training in {folder}").format(folder=run_dir))
        # A no-op after `run_studio`; elsewhere the first run pauses the UI for the imports once.
        preload_training_modules()
        self.controller.start(request)
        self.statusMessage.emit(self.tr("Training…"))
        self._update_buttons()
        self.runningChanged.emit(True)
        return True

    def request_stop(self) -> None:
        if not self.is_running():
            return
        self.controller.request_stop()
        self._append_log(
            self.tr(
                "Stop requested: the run stops after the current batch and saves a "
                "resumable checkpoint."
            )
        )
        self.statusMessage.emit(self.tr("Stopping…"))
        self._update_buttons()

    def shutdown(self) -> None:
        """Stop a running training and wait for its thread (for window close and exit)."""
        self.controller.shutdown()

    def _completed_stages(self, run_dir: Path) -> list[str]:
        try:
            return list(RunDir(run_dir).read_state().get("completed", {}))
        except UR4RecError:
            return []

    def _update_buttons(self) -> None:
        running = self.is_running()
        can_run = not running and self.config is not None
        self.run_all_button.setEnabled(can_run)
        self.run_stage_button.setEnabled(can_run)
        self.stage_combo.setEnabled(not running)
        self.stop_button.setEnabled(running and not self.controller.stop_requested)
        self.resume_button.setEnabled(not running and bool(resumable_stages(self.run_folder())))
        self.folder_edit.setEnabled(not running)
        self.browse_button.setEnabled(not running)
        self.new_folder_button.setEnabled(not running)
        if self.config is None and not running:
            self.run_all_button.setToolTip(self.tr("The config is invalid; see the Config screen"))
        else:
            self.run_all_button.setToolTip("")

    # -- events from the worker -------------------------------------------------------------

    def _on_batch(self, batch: EventBatch) -> None:
        for event in batch.events:
            self._apply_event(event)
        for progress in batch.latest_progress.values():
            self.progress.step(progress)
        if batch.memory is not None:
            stats = batch.memory
            self.memory_label.setText(
                self.tr(
                    "Memory: {users} users with memory · {updates} updates · mean drift {drift}"
                ).format(
                    users=stats.users_with_memory,
                    updates=stats.updates,
                    drift=f"{stats.mean_drift:.4f}",
                )
            )
        if batch.log_lines:
            self._append_log("\n".join(line.text for line in batch.log_lines))
        self.plots.redraw()

    def _apply_event(self, event: ev.Event) -> None:
        if isinstance(event, ev.StepLoss):
            self.plots.add_loss(event.stage, event.step, event.loss)
        elif isinstance(event, ev.GateWeights):
            self.plots.add_gates(event.stage, event.step, event.mean)
        elif isinstance(event, ev.FusionWeights):
            self.plots.add_fusion(event.stage, event.step, event.sasrec, event.retriever)
        elif isinstance(event, ev.EpochMetrics):
            self._on_epoch(event)
        elif isinstance(event, ev.StageStarted):
            self.progress.stage_started(event)
            self.plots.start_stage(event.stage)
        elif isinstance(event, ev.StageFinished):
            self.progress.stage_finished(event)
        elif isinstance(event, ev.RunStarted):
            self.progress.set_stages(event.stages)
            for stage in self._completed_before:
                if stage in self.progress.status:
                    self.progress.status[stage].setText(self.tr("finished earlier"))

    def _on_epoch(self, event: ev.EpochMetrics) -> None:
        ndcg = event.valid.get("full", {}).get("NDCG@10")
        if ndcg is None:
            return
        self.plots.add_validation(event.stage, event.step, ndcg)
        if event.epoch < 0:
            # Epoch -1 is the validation of the model a stage starts from, before any training.
            text = self.tr("{stage} starting model: valid NDCG@10 {ndcg}")
            self._append_log(text.format(stage=event.stage, ndcg=f"{ndcg:.4f}"))
            return
        text = self.tr(
            "{stage} epoch {epoch}: train loss {loss}, valid NDCG@10 {ndcg} ({seconds} s)"
        )
        self._append_log(
            text.format(
                stage=event.stage,
                epoch=event.epoch + 1,
                loss=f"{event.train_loss:.4f}",
                ndcg=f"{ndcg:.4f}",
                seconds=f"{event.seconds:.1f}",
            )
        )

    def _append_log(self, text: str) -> None:
        self.log_view.appendPlainText(text)

    def _on_succeeded(self, results: dict) -> None:
        run_dir = self.run_folder()
        self.metrics.set_results(results)
        if results.get("stages"):
            self.bottom_tabs.setCurrentWidget(self.metrics)
        if self.controller.stop_requested or resumable_stages(run_dir):
            self.statusMessage.emit(self.tr("Run stopped; press Resume to continue it."))
        else:
            self.statusMessage.emit(self.tr("Run finished."))
        self.settings.add_recent_run(run_dir)
        if results.get("stages"):
            self.runFinished.emit(run_dir)

    def _on_failed(self, error: WorkerError) -> None:
        self.banner.show_error(self.tr("Training failed: {message}").format(message=error.message))
        if error.details:
            self._append_log(error.details)
        self.progress.mark_unfinished(self.tr("failed"))
        self.statusMessage.emit(self.tr("Training failed."))

    def _on_ended(self) -> None:
        self._update_buttons()
        self.runningChanged.emit(False)

    # -- export -----------------------------------------------------------------------------

    def _export_plots(self) -> None:
        default = str(self.run_folder() / "plots.png")
        png, svg = self.tr("PNG image (*.png)"), self.tr("SVG image (*.svg)")
        path, chosen = QFileDialog.getSaveFileName(
            self, self.tr("Export plots"), default, f"{png};;{svg}"
        )
        if not path:
            return
        if Path(path).suffix.lower() not in (".png", ".svg"):
            path += ".svg" if chosen == svg else ".png"
        try:
            self.plots.export(path)
        except OSError as exc:
            self.banner.show_error(
                self.tr("Could not write {path}: {error}").format(path=path, error=exc)
            )
            return
        self.statusMessage.emit(self.tr("Plots written to {path}").format(path=path))

    def _export_metrics(self) -> None:
        default = str(self.run_folder() / "metrics.csv")
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export metrics"), default, self.tr("CSV file (*.csv)")
        )
        if not path:
            return
        try:
            self.metrics.export_csv(path)
        except OSError as exc:
            self.banner.show_error(
                self.tr("Could not write {path}: {error}").format(path=path, error=exc)
            )
            return
        self.statusMessage.emit(self.tr("Metrics written to {path}").format(path=path))
