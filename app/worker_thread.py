"""A controller that runs one worker QObject at a time in its own QThread.

The worker lives in the thread for one call of its `run` slot and emits `finished` at the end.
The controller reports the outcome on the UI thread once the thread has stopped, so no handler
runs while the thread is still running.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QThread, Slot


class WorkerThreadController(QObject):
    """Owns the worker thread. Subclasses create workers and report their results.

    A subclass calls `start_worker` with a worker that has a `run` slot and a `finished`
    signal (it starts the thread), implements `request_stop`, and overrides `report` (and `release` for clean-up that
    must happen before `is_running()` turns False).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker_thread: QThread | None = None
        self.worker: QObject | None = None

    def is_running(self) -> bool:
        return self.worker_thread is not None

    def start_worker(self, worker: QObject, thread_name: str) -> None:
        if self.is_running():
            raise RuntimeError(f"{thread_name}: a worker is already running")
        self.worker_thread = QThread()
        self.worker_thread.setObjectName(thread_name)
        self.worker = worker
        worker.moveToThread(self.worker_thread)
        self.worker_thread.started.connect(worker.run)
        # Direct: quit from the worker thread itself, so a UI thread blocked in wait() is released.
        worker.finished.connect(self.worker_thread.quit, Qt.ConnectionType.DirectConnection)
        self.worker_thread.finished.connect(self._on_thread_finished)
        self.worker_thread.start()

    def request_stop(self) -> None:
        raise NotImplementedError

    def shutdown(self) -> None:
        """Request a stop and block until the worker thread has finished (used on exit)."""
        if self.worker_thread is None:
            return
        self.request_stop()
        # The queued `finished` call would otherwise arrive after this cleanup.
        self.worker_thread.finished.disconnect(self._on_thread_finished)
        self.worker_thread.quit()
        self.worker_thread.wait()
        self._on_thread_finished()

    def release(self) -> None:
        """Clean up after the thread has stopped, while `is_running()` is still True."""

    def report(self, worker: QObject) -> None:
        """Emit the outcome of `worker` on the UI thread, after `is_running()` turned False."""

    @Slot()
    def _on_thread_finished(self) -> None:
        if self.worker_thread is None:
            return  # already handled by shutdown()
        worker = self.worker
        # `finished` is emitted just before the thread exits. Waiting ensures the QThread is never
        # destroyed while it still runs.
        self.worker_thread.wait()
        self.release()
        self.worker_thread = None
        self.worker = None
        if worker is not None:
            self.report(worker)
