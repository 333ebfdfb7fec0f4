import gc
import threading

from PySide6.QtCore import QObject

from app.gc_guard import UiThreadCollector


class Cycle:
    """An object in a reference cycle with a Qt object, as widgets and their slots often are."""

    def __init__(self, finalized: list[str]) -> None:
        self.me = self
        self.qobject = QObject()
        self.finalized = finalized

    def __del__(self) -> None:
        self.finalized.append(threading.current_thread().name)


def test_collector_keeps_gc_off_after_stop(qtbot):
    # The autouse fixture already installed one collector for this test.
    assert not gc.isenabled()
    collector = UiThreadCollector(interval_ms=10)
    collector.stop()
    assert not gc.isenabled()


def test_worker_garbage_collected_on_ui_thread(qtbot):
    finalized: list[str] = []
    collector = UiThreadCollector(interval_ms=10)

    def make_garbage() -> None:
        for _ in range(2000):
            Cycle(finalized)

    worker = threading.Thread(target=make_garbage, name="worker")
    worker.start()
    worker.join()
    # Nothing collected the cycles in the worker, although it crossed the threshold many times.
    assert finalized == []

    qtbot.waitUntil(lambda: len(finalized) > 0, timeout=5000)
    collector.stop()
    assert set(finalized) == {threading.main_thread().name}
    assert collector.collections > 0
