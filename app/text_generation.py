"""Run `generate_texts` in a worker QThread and report its progress and outcome on the UI thread.

The worker loads the data set, builds the leave-one-out split and generates texts, all inside
the thread. Progress reaches the UI as queued signals, at most about ten a second; the result
or error arrives after the thread has finished.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from app.screens.text_source import read_dataset
from app.training_worker import WorkerError, describe_error
from app.worker_thread import WorkerThreadController
from ur4rec.llm.api_key import install_redacting_filter, remove_redacting_filter, resolve_api_key
from ur4rec.llm.dashscope_client import QuotaExhaustedError
from ur4rec.llm.generate import GenerationSummary, generate_texts

logger = logging.getLogger(__name__)

# Progress reports closer together than this are dropped, except the first and the last.
PROGRESS_INTERVAL_S = 0.1


@dataclass(frozen=True)
class GenerationRequest:
    """A generation request: the text kind, the data set, the output folder and the backend."""

    kind: str  # "items" or "users"
    data_kind: str
    data_path: Path
    out_dir: Path
    backend: str = "dashscope"
    model: str = "qwen-plus"
    max_concurrency: int = 4
    limit: int | None = None
    timeout_s: float | None = None
    base_url: str | None = None  # None: the SDK's default endpoint


@dataclass(frozen=True)
class GenerationFailure:
    """A failed or quota-stopped run: the error and the counts of what finished before it."""

    error: WorkerError
    summary: GenerationSummary | None = None


class GenerationWorker(QObject):
    """Calls `generate_texts` once; moved to the worker thread for the call."""

    progressed = Signal(int, int, object)  # finished, pending, a copy of the summary
    finished = Signal()

    def __init__(self, request: GenerationRequest, stop_event: threading.Event) -> None:
        super().__init__()
        self.request = request
        self.stop_event = stop_event
        self.summary: GenerationSummary | None = None
        self.failure: GenerationFailure | None = None
        self._last_report = 0.0

    def _progress(self, finished: int, pending: int, summary: GenerationSummary) -> None:
        now = time.monotonic()
        if 0 < finished < pending and now - self._last_report < PROGRESS_INTERVAL_S:
            return
        self._last_report = now
        self.progressed.emit(finished, pending, dataclasses.replace(summary))

    @Slot()
    def run(self) -> None:
        request = self.request
        redactor = None
        try:
            api_key = resolve_api_key() if request.backend == "dashscope" else None
            if api_key:
                redactor = install_redacting_filter(api_key)
            loaded = read_dataset(request.data_kind, request.data_path)
            data, split = loaded.data, loaded.split
            self.summary = generate_texts(
                request.kind, data, split, request.out_dir, model=request.model,
                max_concurrency=request.max_concurrency, limit=request.limit, resume=True,
                backend=request.backend, api_key=api_key, timeout_s=request.timeout_s,
                progress=self._progress, stop_event=self.stop_event, base_url=request.base_url,
            )
        except QuotaExhaustedError as err:
            self.failure = GenerationFailure(describe_error(err), err.summary)
        # The worker boundary reports every failure to the window, so none is lost in the thread.
        except Exception as exc:  # noqa: BLE001
            error = describe_error(exc)
            self.failure = GenerationFailure(error)
            if not error.user_error:
                logger.error("text generation failed:\n%s", error.details)
        finally:
            if redactor is not None:
                remove_redacting_filter(redactor)
            self.finished.emit()


class GenerationController(WorkerThreadController):
    """Owns the worker thread of one generation run at a time.

    `succeeded` carries the `GenerationSummary`, `failed` a `GenerationFailure`; either fires
    on the UI thread after the thread has finished, followed by `ended`.
    """

    started = Signal()
    progressed = Signal(int, int, object)
    succeeded = Signal(object)
    failed = Signal(object)
    ended = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stop_event = threading.Event()

    def start(self, request: GenerationRequest) -> None:
        if self.is_running():
            raise RuntimeError("a text generation run is already in progress")
        self.stop_event = threading.Event()
        worker = GenerationWorker(request, self.stop_event)
        worker.progressed.connect(self.progressed)
        self.start_worker(worker, "ur4rec-texts")
        self.started.emit()

    def request_stop(self) -> None:
        """Stop after the requests in flight; what finished stays in the cache."""
        self.stop_event.set()

    @property
    def stop_requested(self) -> bool:
        return self.stop_event.is_set()

    def report(self, worker: GenerationWorker) -> None:
        if worker.failure is not None:
            self.failed.emit(worker.failure)
        else:
            self.succeeded.emit(worker.summary)
        self.ended.emit()
