"""Cyclic garbage collection on the UI thread only.

Python runs its cyclic collector in whichever thread happens to allocate when a threshold is
crossed. When that is a worker thread and the garbage contains Qt objects, their destructors
run in the worker. With PySide6 6.11 this deadlocked a test session: the worker held the GIL
inside `gc` and waited in `QObject::~QObject` for a Qt lock, while the UI thread held that lock
deleting widgets and waited for the GIL. `UiThreadCollector` turns automatic collection off and
collects from a timer on the UI thread instead, so Qt objects are only ever destroyed there.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

DEFAULT_INTERVAL_MS = 200


class UiThreadCollector(QObject):
    """A UI-thread timer that collects garbage while automatic collection is off.

    Each tick collects the oldest generation whose count is over Python's threshold, as the
    automatic collector would. `stop` restores automatic collection if it was on before.
    """

    def __init__(self, parent: QObject | None = None, interval_ms: int = DEFAULT_INTERVAL_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.was_enabled = gc.isenabled()
        self.collections = 0
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.collect_if_due)
        self.timer.start()

    def collect_if_due(self) -> int | None:
        """Run one collection if a generation is over its threshold; return that generation."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            threshold = self.thresholds[generation]
            if threshold and counts[generation] > threshold:
                gc.collect(generation)
                self.collections += 1
                return generation
        return None

    def stop(self) -> None:
        """Stop the timer, collect everything once here, and restore automatic collection."""
        self.timer.stop()
        gc.collect()
        if self.was_enabled:
            gc.enable()
