"""Carry trainer events and log records from the worker thread to the UI thread, throttled.

The trainer emits events in the worker thread, often hundreds per second. There they only go
into a thread-safe queue. A QTimer on the UI thread drains the queue at most
`1000 / interval_ms` times a second (20 by default) and emits one `batchReady` signal per drain,
so the UI redraws once per batch however fast the trainer runs.
"""

from __future__ import annotations

import collections
import logging
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QTimer, Signal

from ur4rec.training import events as ev

DEFAULT_INTERVAL_MS = 50


@dataclass(frozen=True)
class LogLine:
    """A log record formatted in the thread that logged it."""

    text: str
    levelno: int


@dataclass
class EventBatch:
    """Everything drained in one timer tick, in arrival order.

    `latest_progress` keeps only the newest `StepLoss` per stage, for progress bars. `memory`
    keeps only the newest `MemoryStats`, so those events are left out of `events`.
    """

    events: list[ev.Event] = field(default_factory=list)
    log_lines: list[LogLine] = field(default_factory=list)
    latest_progress: dict[str, ev.StepLoss] = field(default_factory=dict)
    memory: ev.MemoryStats | None = None
    drained: int = 0

    def add(self, item: ev.Event | LogLine) -> None:
        self.drained += 1
        if isinstance(item, LogLine):
            self.log_lines.append(item)
        elif isinstance(item, ev.MemoryStats):
            self.memory = item
        else:
            if isinstance(item, ev.StepLoss):
                self.latest_progress[item.stage] = item
            self.events.append(item)


class EventQueue:
    """A thread-safe FIFO of events and log lines, written by worker threads.

    It is a plain Python object on purpose, so that the worker thread never calls into PySide
    while the UI thread creates and deletes widgets.
    """

    def __init__(self) -> None:
        # deque.append and deque.popleft are atomic in CPython, so no lock is needed.
        self._items: collections.deque = collections.deque()

    def put(self, item: ev.Event | LogLine) -> None:
        """Queue an event or log line. Safe to call from any thread."""
        self._items.append(item)

    def __call__(self, event: ev.Event) -> None:
        self.put(event)

    def __len__(self) -> int:
        return len(self._items)

    def take(self) -> list[ev.Event | LogLine]:
        """Remove and return what is queued now, oldest first."""
        # Take only the current length, so a fast producer cannot keep this loop running.
        return [self._items.popleft() for _ in range(len(self._items))]


class EventRelay(QObject):
    """Delivers what worker threads put into `queue` to the UI thread, in batches.

    Create it on the UI thread. Worker threads use `relay.queue` (an `EventBus` subscriber) and
    never the relay itself.
    """

    batchReady = Signal(object)  # EventBatch

    def __init__(
        self, interval_ms: int = DEFAULT_INTERVAL_MS, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.queue = EventQueue()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)
        self.batches_emitted = 0

    def post(self, item: ev.Event | LogLine) -> None:
        """Queue an item from the UI thread (worker threads use `queue.put`)."""
        self.queue.put(item)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        """Stop the timer and deliver whatever is still queued."""
        self._timer.stop()
        self.flush()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def flush(self) -> None:
        """Drain the queue now and emit one batch if anything was queued (UI thread only)."""
        items = self.queue.take()
        if not items:
            return
        batch = EventBatch()
        for item in items:
            batch.add(item)
        self.batches_emitted += 1
        self.batchReady.emit(batch)


class RelayLogHandler(logging.Handler):
    """A logging handler that puts formatted records into an `EventQueue`."""

    def __init__(self, queue: EventQueue, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.queue = queue
        self.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")
        )

    def emit(self, record: logging.LogRecord) -> None:
        self.queue.put(LogLine(self.format(record), record.levelno))
