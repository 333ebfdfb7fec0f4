"""The trainer's event stream: typed events, a bus of subscribers and a stop token.

The trainer never prints and does not depend on its subscribers. The CLI attaches a progress-bar printer,
the run store and TensorBoard attach writers, and the studio relays events to Qt signals.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Base class of all trainer events."""


@dataclass(frozen=True)
class RunStarted(Event):
    run_dir: str
    stages: tuple[str, ...]
    resumed: bool


@dataclass(frozen=True)
class StageStarted(Event):
    stage: str
    index: int
    total: int
    max_epochs: int
    steps_per_epoch: int
    start_epoch: int


@dataclass(frozen=True)
class StepLoss(Event):
    stage: str
    epoch: int
    step: int  # global step within the stage
    batch: int  # batch index within the epoch
    batches: int  # batches per epoch
    loss: float
    module: str  # which parameters were updated: sasrec, retriever or all


@dataclass(frozen=True)
class GateWeights(Event):
    stage: str
    step: int
    mean: tuple[float, float, float]  # preference, description, item_id
    histogram: tuple[tuple[int, ...], ...]  # per expert, counts over 10 bins of [0, 1]


@dataclass(frozen=True)
class FusionWeights(Event):
    stage: str
    step: int
    sasrec: float
    retriever: float


@dataclass(frozen=True)
class MemoryStats(Event):
    stage: str
    step: int
    users_with_memory: int
    updates: int
    mean_drift: float


@dataclass(frozen=True)
class EpochMetrics(Event):
    stage: str
    epoch: int
    step: int
    train_loss: float
    valid: dict = field(default_factory=dict)  # {protocol: {metric: value}}
    seconds: float = 0.0
    improved: bool = False


@dataclass(frozen=True)
class CheckpointSaved(Event):
    stage: str
    epoch: int
    path: str
    best: bool


@dataclass(frozen=True)
class SnapshotSaved(Event):
    stage: str
    epoch: int
    snapshot_id: int
    num_users: int


@dataclass(frozen=True)
class StageFinished(Event):
    stage: str
    best_epoch: int
    result: dict
    stopped: bool


@dataclass(frozen=True)
class RunFinished(Event):
    run_dir: str
    results: dict
    stopped: bool


@dataclass(frozen=True)
class RunFailed(Event):
    message: str


Subscriber = Callable[[Event], None]


class EventBus:
    """Deliver events to subscribers in the trainer's thread, in subscription order."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def emit(self, event: Event) -> None:
        for subscriber in self._subscribers:
            subscriber(event)


class StopToken:
    """A cooperative stop request that the trainer checks between batches."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def request_stop(self) -> None:
        self._event.set()

    @property
    def stop_requested(self) -> bool:
        return self._event.is_set()
