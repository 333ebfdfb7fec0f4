"""Run slow library calls off the UI thread and deliver their result or exception as Qt signals.

A `BackgroundRunner` owns a QThreadPool. `start()` wraps a plain function in a QRunnable that
runs in a pool thread. Its return value or exception travels back as a queued signal to the
runner, which lives in the UI thread and calls the given callback there. Create the runner in
the UI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal

logger = logging.getLogger(__name__)

ResultCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


class TaskSignals(QObject):
    """Signals of one background task. Created in the UI thread, emitted from a pool thread."""

    succeeded = Signal(object, object)  # (task, the function's return value)
    failed = Signal(object, object)  # (task, the exception it raised)


class BackgroundTask(QRunnable):
    """One call of `function(*args, **kwargs)` in a pool thread."""

    def __init__(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the runner keeps the Python object until it reports back
        self.function = function
        self.args = args
        self.kwargs = kwargs
        self.signals = TaskSignals()

    def run(self) -> None:
        try:
            result = self.function(*self.args, **self.kwargs)
        except Exception as exc:  # noqa: BLE001 - every failure is handed to the UI thread
            self.signals.failed.emit(self, exc)
        else:
            self.signals.succeeded.emit(self, result)


class BackgroundRunner(QObject):
    """Runs functions in its own thread pool and calls back in the UI thread.

    With the default `max_threads=1` the tasks run one after another in submission order,
    which suits work on one shared object such as a loaded model. The callbacks are called
    from the runner's own slots, so any callable works, a lambda included.
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, max_threads: int = 1) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._callbacks: dict[BackgroundTask, tuple[ResultCallback | None, ErrorCallback]] = {}
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.wait)

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    def start(
        self,
        function: Callable[..., Any],
        *args: Any,
        on_result: ResultCallback | None = None,
        on_error: ErrorCallback | None = None,
        **kwargs: Any,
    ) -> BackgroundTask:
        """Queue `function(*args, **kwargs)` and return its task.

        `on_result` receives the return value and `on_error` the exception, both in the UI
        thread. Without `on_error` the exception is logged with its traceback.
        """
        task = BackgroundTask(function, *args, **kwargs)
        task.signals.succeeded.connect(self._report_result)
        task.signals.failed.connect(self._report_error)

        was_busy = self.busy
        self._callbacks[task] = (on_result, on_error or _log_failure)
        if not was_busy:
            self.busy_changed.emit(True)
        self._pool.start(task)
        return task

    def wait(self, msecs: int = -1) -> bool:
        """Block until every queued task has run or `msecs` passed. Return True when all are done.

        Results still travel through queued signals, so they reach their callbacks only when
        the event loop runs again.
        """
        return self._pool.waitForDone(msecs)

    def _report_result(self, task: BackgroundTask, result: object) -> None:
        on_result, _ = self._callbacks[task]
        try:
            if on_result is not None:
                on_result(result)
        finally:
            self._forget(task)

    def _report_error(self, task: BackgroundTask, exc: BaseException) -> None:
        _, on_error = self._callbacks[task]
        try:
            on_error(exc)
        finally:
            self._forget(task)

    def _forget(self, task: BackgroundTask) -> None:
        # The task counts as running until its callback returns, so a callback that queues a
        # follow-up task keeps the runner busy without a busy-idle-busy flicker.
        del self._callbacks[task]
        if not self._callbacks:
            self.busy_changed.emit(False)


def _log_failure(exc: BaseException) -> None:
    logger.error("Background task failed: %s", exc, exc_info=exc)
