"""Run `start_run` in a worker QThread and report its outcome on the UI thread.

Data loading, text encoding and training all happen inside `start_run`, so all of them run on the
worker thread. Events reach the UI through an `EventRelay`; the final results or error arrive
after the thread has finished, once every queued event has been delivered.
"""

from __future__ import annotations

import logging
import os
import traceback
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from app.event_relay import EventQueue, EventRelay, RelayLogHandler
from app.worker_thread import WorkerThreadController
from ur4rec.config import Config
from ur4rec.errors import UR4RecError
from ur4rec.llm.api_key import API_KEY_ENV, RedactingFilter
from ur4rec.training import events as ev
from ur4rec.training.runner import resolve_paths, start_run

logger = logging.getLogger(__name__)

LOGGERS = ("ur4rec", "app")


@dataclass(frozen=True)
class RunRequest:
    """A training request: a config, a run directory and the stages (None: the config's list)."""

    config: Config | None
    run_dir: Path
    stages: tuple[str, ...] | None = None
    resume: bool = False
    base_folder: Path | None = None  # relative data, text and cache paths resolve against it
    tensorboard: bool = True


@dataclass(frozen=True)
class WorkerError:
    """A failed run as the window shows it: a one-line message and, for bugs, the traceback."""

    message: str
    details: str = ""
    user_error: bool = True


def describe_error(exc: BaseException) -> WorkerError:
    """Map an exception to the message shown in the window."""
    if isinstance(exc, UR4RecError):
        return WorkerError(str(exc), "", True)
    if isinstance(exc, MemoryError):
        return WorkerError(
            "Out of memory: reduce training.batch_size, data.max_seq_len or the hidden sizes",
            traceback.format_exc(),
            False,
        )
    text = f"{type(exc).__name__}: {exc}"
    return WorkerError(text, "".join(traceback.format_exception(exc)), False)


class TrainingWorker(QObject):
    """A QObject that calls `start_run` once, moved to the worker thread for the call."""

    finished = Signal()

    def __init__(self, request: RunRequest, queue: EventQueue, stop: ev.StopToken) -> None:
        super().__init__()
        self.request = request
        self.queue = queue
        self.stop = stop
        self.results: dict | None = None
        self.error: WorkerError | None = None

    @Slot()
    def run(self) -> None:
        request, queue, stop = self.request, self.queue, self.stop
        try:
            bus = ev.EventBus()
            bus.subscribe(queue.put)
            config = request.config
            if config is not None and not request.resume and request.base_folder is not None:
                config = resolve_paths(config, request.base_folder)
            stages = list(request.stages) if request.stages else None
            self.results = start_run(
                config,
                request.run_dir,
                stages=stages,
                resume=request.resume,
                bus=bus,
                stop=stop,
                tensorboard=request.tensorboard,
            )
        # The worker boundary reports every failure to the window, so none is lost in the thread.
        except Exception as exc:  # noqa: BLE001
            self.error = describe_error(exc)
            if not self.error.user_error:
                logger.error("training failed in %s:\n%s", request.run_dir, self.error.details)
        finally:
            self.finished.emit()


class TrainingController(WorkerThreadController):
    """Owns the worker thread of one run at a time.

    `ended` fires on the UI thread after the thread has finished and the relay has delivered
    every event, with the results dict or a `WorkerError`.
    """

    started = Signal()
    succeeded = Signal(object)  # results dict
    failed = Signal(object)  # WorkerError
    ended = Signal()

    def __init__(self, relay: EventRelay, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.relay = relay
        self.stop_token: ev.StopToken | None = None
        self.request: RunRequest | None = None
        self._log_handler: RelayLogHandler | None = None

    def start(self, request: RunRequest) -> None:
        if self.is_running():
            raise RuntimeError("a run is already in progress")
        self.request = request
        self.stop_token = ev.StopToken()
        self._attach_log_handler()
        self.relay.start()
        self.start_worker(TrainingWorker(request, self.relay.queue, self.stop_token), "ur4rec-training")
        self.started.emit()

    def request_stop(self) -> None:
        """Ask the trainer to stop after the current batch (it saves a resumable checkpoint)."""
        if self.stop_token is not None:
            self.stop_token.request_stop()

    @property
    def stop_requested(self) -> bool:
        return self.stop_token is not None and self.stop_token.stop_requested

    def _attach_log_handler(self) -> None:
        self._log_handler = RelayLogHandler(self.relay.queue)
        secret = os.environ.get(API_KEY_ENV, "")
        if secret:
            self._log_handler.addFilter(RedactingFilter(secret))
        for name in LOGGERS:
            log = logging.getLogger(name)
            if log.level == logging.NOTSET:
                # Without a level, INFO records of the library would be dropped at WARNING.
                log.setLevel(logging.INFO)
            log.addHandler(self._log_handler)

    def _detach_log_handler(self) -> None:
        if self._log_handler is None:
            return
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(self._log_handler)
        self._log_handler = None

    def release(self) -> None:
        self._detach_log_handler()
        self.relay.stop()

    def report(self, worker: TrainingWorker) -> None:
        if worker.error is not None:
            self.failed.emit(worker.error)
        else:
            self.succeeded.emit(worker.results or {})
        self.ended.emit()
