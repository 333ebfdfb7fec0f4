"""The Texts screen's generation panel: kind, backend and model, start and stop, progress.

Generation always continues the cache in the output folder: texts it already contains are kept
and only the missing ones are requested, so a stopped run picks up where it ended.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.progress_panel import format_duration
from app.screens.text_source import TextSource
from app.text_generation import GenerationController, GenerationFailure, GenerationRequest
from ur4rec.llm.api_key import API_KEY_ENV, mask_key
from ur4rec.llm.dashscope_client import DEFAULT_MODEL, DEFAULT_TIMEOUT_S
from ur4rec.llm.generate import GenerationSummary

MODELS = ("qwen-plus", "qwen-turbo", "qwen-max", "qwen-long")
BASE_URL_ENV = "DASHSCOPE_HTTP_BASE_URL"


class GenerationRate:
    """Texts per second since the first report of a run, and the time left at that rate."""

    def __init__(self) -> None:
        self.start = time.monotonic()

    def eta_seconds(self, finished: int, pending: int) -> float | None:
        elapsed = time.monotonic() - self.start
        if finished <= 0 or elapsed <= 0:
            return None
        return (pending - finished) * elapsed / finished

    def per_second(self, finished: int) -> float:
        return finished / max(time.monotonic() - self.start, 1e-6)


class GenerationPanel(QGroupBox):
    """Start and stop a generation run and follow its progress and counts by status."""

    statusMessage = Signal(str)
    runningChanged = Signal(bool)
    runEnded = Signal(str)  # the kind whose cache changed
    errorOccurred = Signal(str)

    def __init__(self, source: Callable[[], TextSource],
                 source_problem: Callable[[], str | None] = lambda: None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Generate"))
        self.source = source
        self.source_problem = source_problem
        self.controller = GenerationController(self)
        self.controller.progressed.connect(self._on_progress)
        self.controller.succeeded.connect(self._on_succeeded)
        self.controller.failed.connect(self._on_failed)
        self.controller.ended.connect(self._on_ended)
        self.rate = GenerationRate()
        self.last_summary: GenerationSummary | None = None
        self.last_failure: GenerationFailure | None = None
        self._build()
        self._on_backend_changed()
        self.refresh_key_status()

    def _build(self) -> None:
        self.kind_combo = QComboBox()
        self.kind_combo.addItem(self.tr("Item descriptions"), "items")
        self.kind_combo.addItem(self.tr("User preferences"), "users")
        self.backend_combo = QComboBox()
        self.backend_combo.addItem(self.tr("DashScope (Qwen)"), "dashscope")
        self.backend_combo.addItem(self.tr("Offline templates"), "offline")
        self.backend_combo.currentIndexChanged.connect(self._on_backend_changed)
        self.model_combo = QComboBox()
        self.model_combo.setEditable(True)
        self.model_combo.addItems(MODELS)
        self.model_combo.setCurrentText(DEFAULT_MODEL)
        self.concurrency_spin = QSpinBox()
        self.concurrency_spin.setRange(1, 64)
        self.concurrency_spin.setValue(4)
        self.concurrency_spin.setToolTip(self.tr("Most requests in flight at once"))
        self.limit_spin = QSpinBox()
        self.limit_spin.setRange(0, 10_000_000)
        self.limit_spin.setSpecialValueText(self.tr("all"))
        self.limit_spin.setToolTip(self.tr("Only the first N items or users, in id order"))
        self.timeout_spin = QDoubleSpinBox()
        self.timeout_spin.setRange(1.0, 600.0)
        self.timeout_spin.setDecimals(0)
        self.timeout_spin.setValue(DEFAULT_TIMEOUT_S)
        self.timeout_spin.setSuffix(self.tr(" s"))
        self.key_label = QLabel()
        self.key_label.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.tr("Texts"), self.kind_combo)
        form.addRow(self.tr("Backend"), self.backend_combo)
        form.addRow(self.tr("Model"), self.model_combo)
        form.addRow(self.tr("Max concurrency"), self.concurrency_spin)
        form.addRow(self.tr("Limit"), self.limit_spin)
        form.addRow(self.tr("Request timeout"), self.timeout_spin)
        form.addRow(self.tr("API key"), self.key_label)

        self.start_button = QPushButton(self.tr("Start"))
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_label = QLabel(self.tr("Not started."))
        self.progress_label.setWordWrap(True)
        self.counts_label = QLabel()
        self.counts_label.setWordWrap(True)
        note = QLabel(self.tr(
            "Texts already in the output folder's cache are kept; only missing ones are requested."
        ))
        note.setWordWrap(True)
        note.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.counts_label)
        layout.addWidget(note)
        layout.addStretch(1)

    # -- state ------------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    @property
    def backend(self) -> str:
        return str(self.backend_combo.currentData())

    def is_running(self) -> bool:
        return self.controller.is_running()

    def refresh_key_status(self) -> None:
        key = os.environ.get(API_KEY_ENV, "").strip()
        if key:
            self.key_label.setText(mask_key(key))
        else:
            self.key_label.setText(self.tr(
                "not set: add it in File > Settings, or choose the offline backend"
            ))

    def _on_backend_changed(self) -> None:
        online = self.backend == "dashscope"
        for widget in (self.model_combo, self.concurrency_spin, self.timeout_spin):
            widget.setEnabled(online and not self.is_running())

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        for widget in (self.kind_combo, self.backend_combo, self.limit_spin):
            widget.setEnabled(not running)
        self._on_backend_changed()
        self.runningChanged.emit(running)

    # -- actions ----------------------------------------------------------------------------

    def request(self) -> GenerationRequest:
        source = self.source()
        limit = self.limit_spin.value()
        return GenerationRequest(
            kind=self.kind,
            data_kind=source.data_kind,
            data_path=source.data_path,
            out_dir=source.out_dir,
            backend=self.backend,
            model=self.model_combo.currentText().strip() or DEFAULT_MODEL,
            max_concurrency=self.concurrency_spin.value(),
            limit=limit or None,
            timeout_s=self.timeout_spin.value(),
            base_url=os.environ.get(BASE_URL_ENV) or None,
        )

    def start(self) -> None:
        if self.is_running():
            return
        problem = self.source_problem()
        if problem:
            self.errorOccurred.emit(problem)
            return
        self.refresh_key_status()
        self.last_summary = None
        self.last_failure = None
        self.rate = GenerationRate()
        self.progress_bar.setRange(0, 0)  # busy until the first report gives the total
        self.progress_label.setText(self.tr("Loading the data set…"))
        self.counts_label.clear()
        self.controller.start(self.request())
        self._set_running(True)

    def stop(self) -> None:
        if not self.is_running():
            return
        self.controller.request_stop()
        self.stop_button.setEnabled(False)
        if self.backend == "dashscope":
            text = self.tr(
                "Stopping after the requests in flight (each ends within {timeout} s)…"
            ).format(timeout=f"{self.timeout_spin.value():.0f}")
        else:
            text = self.tr("Stopping…")
        self.progress_label.setText(text)

    def shutdown(self) -> None:
        self.controller.shutdown()

    # -- reports ----------------------------------------------------------------------------

    def _on_progress(self, finished: int, pending: int, summary: GenerationSummary) -> None:
        if finished == 0:
            self.rate = GenerationRate()
        self.progress_bar.setRange(0, max(pending, 1))
        self.progress_bar.setValue(finished if pending else 1)
        if self.controller.stop_requested:
            return
        eta = self.rate.eta_seconds(finished, pending)
        self.progress_label.setText(
            self.tr("{finished} / {pending} texts · {rate} per second · ETA {eta}").format(
                finished=finished,
                pending=pending,
                rate=f"{self.rate.per_second(finished):.1f}",
                eta=format_duration(eta) if eta is not None else "…",
            )
        )
        self._show_counts(summary)

    def _show_counts(self, summary: GenerationSummary) -> None:
        self.counts_label.setText(
            self.tr(
                "generated {done} · already cached {cached} · moderated {moderated} · "
                "failed {failed} · tokens {tokens}"
            ).format(
                done=summary.done,
                cached=summary.cached,
                moderated=summary.moderated,
                failed=summary.failed,
                tokens=summary.tokens,
            )
        )

    def _on_succeeded(self, summary: GenerationSummary) -> None:
        self.last_summary = summary
        self._show_counts(summary)
        if not summary.stopped:
            self.progress_bar.setRange(0, 1)
            self.progress_bar.setValue(1)
        elif self.progress_bar.maximum() == 0:
            self.progress_bar.setRange(0, 1)  # stopped before the first report
            self.progress_bar.setValue(0)
        if summary.stopped:
            text = self.tr("Stopped. Start again to generate the missing texts.")
        elif summary.failed:
            text = self.tr("Finished; {failed} texts failed. Start again to retry them.").format(
                failed=summary.failed
            )
        else:
            text = self.tr("Finished.")
        self.progress_label.setText(text)
        if summary.export_path is not None:
            self.statusMessage.emit(
                self.tr("Wrote the texts to {path}").format(path=summary.export_path)
            )

    def _on_failed(self, failure: GenerationFailure) -> None:
        self.last_failure = failure
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        if failure.summary is not None:
            self._show_counts(failure.summary)
        if failure.summary is not None and failure.summary.done + failure.summary.moderated:
            self.progress_label.setText(
                self.tr("Failed; texts that finished are kept in the cache.")
            )
        else:
            self.progress_label.setText(self.tr("Failed."))
        self.errorOccurred.emit(failure.error.message)

    def _on_ended(self) -> None:
        self._set_running(False)
        self.runEnded.emit(self.kind)
