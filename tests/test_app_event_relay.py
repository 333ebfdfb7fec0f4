"""Event relay: thread-safe buffering and throttled, coalesced delivery to the UI thread."""

from __future__ import annotations

import logging
import threading
import time

from app.event_relay import EventQueue, EventRelay, LogLine, RelayLogHandler
from ur4rec.training import events as ev

pytest_plugins = ("qt_helpers",)  # sets the offscreen platform

EVENTS = 10_000


def produce(queue: EventQueue, count: int, pause_every: int = 50) -> None:
    for step in range(1, count + 1):
        queue.put(ev.StepLoss("pretrain_sasrec", 0, step, step % 100, 100, 1.0 / step, "sasrec"))
        if step % pause_every == 0:
            time.sleep(0.002)  # spread the events over about half a second


def test_relay_coalesces_thread_events(qtbot):
    relay = EventRelay()
    batches = []
    relay.batchReady.connect(batches.append)
    relay.start()
    started = time.perf_counter()
    producer = threading.Thread(target=produce, args=(relay.queue, EVENTS))
    producer.start()

    qtbot.waitUntil(lambda: sum(batch.drained for batch in batches) == EVENTS, timeout=20_000)
    elapsed = time.perf_counter() - started
    producer.join()
    relay.stop()

    assert len(batches) <= elapsed * 20 + 3, f"{len(batches)} batches in {elapsed:.2f} s"
    steps = [event.step for batch in batches for event in batch.events]
    assert steps == list(range(1, EVENTS + 1))
    assert batches[-1].latest_progress["pretrain_sasrec"].step == EVENTS


def test_batch_keeps_latest_progress_per_stage(qtbot):
    relay = EventRelay()
    batches = []
    relay.batchReady.connect(batches.append)
    for stage in ("pretrain_sasrec", "end_to_end"):
        for step in (1, 2, 3):
            relay.post(ev.StepLoss(stage, 0, step, step - 1, 3, 0.5, "sasrec"))
    relay.post(ev.MemoryStats("end_to_end", 3, 10, 4, 0.1))
    relay.post(ev.MemoryStats("end_to_end", 3, 12, 5, 0.2))

    relay.flush()

    assert len(batches) == 1
    batch = batches[0]
    assert batch.latest_progress["pretrain_sasrec"].step == 3
    assert batch.latest_progress["end_to_end"].step == 3
    assert len(batch.events) == 6
    assert batch.memory.users_with_memory == 12
    assert batch.drained == 8


def test_empty_queue_emits_nothing(qtbot):
    relay = EventRelay()
    batches = []
    relay.batchReady.connect(batches.append)
    relay.flush()
    assert batches == []


def test_log_handler_forwards_records(qtbot):
    relay = EventRelay()
    batches = []
    relay.batchReady.connect(batches.append)
    handler = RelayLogHandler(relay.queue)
    log = logging.getLogger("ur4rec.test_relay")
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    try:
        worker = threading.Thread(target=lambda: log.info("encoding %d texts", 42))
        worker.start()
        worker.join()
    finally:
        log.removeHandler(handler)

    relay.flush()

    lines = batches[0].log_lines
    assert isinstance(lines[0], LogLine)
    assert "encoding 42 texts" in lines[0].text
    assert lines[0].levelno == logging.INFO
