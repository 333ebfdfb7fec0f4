"""An event-bus subscriber that times a training run from the trainer's events.

Epoch phases are cut at event boundaries, all in one clock:

- baseline: from `StageStarted` to the `EpochMetrics` with epoch -1, which the trainer emits when
  a stage after the first validates the model it starts from (the best model unless an epoch
  beats it);
- training: from the event before the epoch's first `StepLoss` (`StageStarted`, or the previous
  epoch's last-checkpoint `CheckpointSaved`) to the epoch's last `StepLoss`;
- validation: from that last `StepLoss` to the epoch's `EpochMetrics`;
- checkpoints: from `EpochMetrics` to the epoch's last-checkpoint `CheckpointSaved`;
- stage finish: from the last epoch's end to `StageFinished` (loading the best model, the memory
  refresh and snapshot, and the validation and test evaluation of all users).

The clock can leave out time that a benchmark spends inside its own subscribers (see `Clock`).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

from common import peak_rss_mb

from ur4rec.training import events as ev

MONITOR = "NDCG@10"


class Clock:
    """`time.perf_counter` minus every duration passed to `exclude`."""

    def __init__(self) -> None:
        self.excluded_s = 0.0

    def __call__(self) -> float:
        return time.perf_counter() - self.excluded_s

    def exclude(self, seconds: float) -> None:
        self.excluded_s += seconds


@dataclass
class EpochTiming:
    epoch: int  # 0-based, as in the events
    start: float
    batches: int = 0
    last_step: float | None = None
    metrics_at: float | None = None
    end: float | None = None
    valid_ndcg: float | None = None
    improved: bool = False

    @property
    def train_s(self) -> float | None:
        return None if self.last_step is None else self.last_step - self.start

    @property
    def valid_s(self) -> float | None:
        if self.metrics_at is None or self.last_step is None:
            return None
        return self.metrics_at - self.last_step

    @property
    def checkpoint_s(self) -> float | None:
        if self.end is None or self.metrics_at is None:
            return None
        return self.end - self.metrics_at


@dataclass
class StageTiming:
    stage: str
    started: float
    steps_per_epoch: int
    epochs: list[EpochTiming] = field(default_factory=list)
    baseline: EpochTiming | None = None  # validation of the starting model, epoch -1
    finished: float | None = None
    best_epoch: int | None = None  # -1: no epoch beat the starting model
    result: dict = field(default_factory=dict)
    stopped: bool = False
    peak_rss_mb: float | None = None

    def epoch(self, index: int) -> EpochTiming | None:
        if index == -1:
            return self.baseline
        return next((e for e in self.epochs if e.epoch == index), None)

    def summary(self, train_sequences: int) -> dict:
        """Figures of the stage; times in seconds from this stage's start."""
        train = [e.train_s for e in self.epochs if e.train_s is not None]
        valid = [e.valid_s for e in self.epochs if e.valid_s is not None]
        checkpoints = [e.checkpoint_s for e in self.epochs if e.checkpoint_s is not None]
        best = self.epoch(self.best_epoch) if self.best_epoch is not None else None
        last_end = self.epochs[-1].end if self.epochs else None
        score = self.result.get("score")
        return {
            "epochs_run": len(self.epochs),
            "train_sequences": train_sequences,
            "batches_per_epoch": self.steps_per_epoch,
            "train_s_per_epoch": _mean(train),
            "train_s_per_epoch_median": statistics.median(train) if train else None,
            "sequences_per_s": train_sequences / _mean(train) if train else None,
            "valid_s_per_epoch": _mean(valid),
            "checkpoint_s_per_epoch": _mean(checkpoints),
            "baseline_valid_s": None if self.baseline is None else self.baseline.metrics_at - self.started,
            "baseline_valid_ndcg10": None if self.baseline is None else self.baseline.valid_ndcg,
            # 1-based; 0 means that the stage kept the model it started from.
            "best_epoch": None if self.best_epoch is None else self.best_epoch + 1,
            "wall_s_to_best": None if best is None or best.metrics_at is None else best.metrics_at - self.started,
            "best_valid_ndcg10_monitored": None if best is None else best.valid_ndcg,
            "finish_s": None if self.finished is None or last_end is None else self.finished - last_end,
            "wall_s": None if self.finished is None else self.finished - self.started,
            "score": score,
            "valid": _protocol_metrics(self.result.get("valid", {}).get(score, {})),
            "test": _protocol_metrics(self.result.get("test", {}).get(score, {})),
            "peak_rss_mb": self.peak_rss_mb,
            "stopped": self.stopped,
            "epochs": [
                {
                    "epoch": e.epoch + 1,
                    "train_s": e.train_s,
                    "valid_s": e.valid_s,
                    "checkpoint_s": e.checkpoint_s,
                    "valid_ndcg10": e.valid_ndcg,
                    "improved": e.improved,
                    "at_s": None if e.metrics_at is None else e.metrics_at - self.started,
                }
                for e in self.epochs
            ],
        }


class TrainingClock:
    """Subscribe to an `EventBus` and record when each stage and epoch phase happened."""

    def __init__(self, clock: Clock | None = None, protocol: str = "full") -> None:
        self.clock = clock or Clock()
        self.protocol = protocol  # the validation protocol the trainer monitors
        self.stages: dict[str, StageTiming] = {}
        self.run_started: float | None = None
        self.run_finished: float | None = None
        self._last_event = self.clock()
        self._current: StageTiming | None = None

    def __call__(self, event: ev.Event) -> None:
        now = self.clock()
        if isinstance(event, ev.RunStarted):
            self.run_started = now
        elif isinstance(event, ev.StageStarted):
            self._current = StageTiming(event.stage, now, event.steps_per_epoch)
            self.stages[event.stage] = self._current
        elif isinstance(event, ev.StepLoss):
            self._on_step(event, now)
        elif isinstance(event, ev.EpochMetrics):
            self._on_epoch_metrics(event, now)
        elif isinstance(event, ev.CheckpointSaved) and not event.best:
            epoch = self._open_epoch()
            if epoch is not None and epoch.metrics_at is not None:
                epoch.end = now
        elif isinstance(event, ev.StageFinished):
            stage = self.stages.get(event.stage)
            if stage is not None:
                stage.finished, stage.best_epoch = now, event.best_epoch
                stage.result, stage.stopped = event.result, event.stopped
                stage.peak_rss_mb = peak_rss_mb()
        elif isinstance(event, ev.RunFinished):
            self.run_finished = now
        self._last_event = self.clock()

    def _open_epoch(self) -> EpochTiming | None:
        if self._current is None or not self._current.epochs:
            return None
        return self._current.epochs[-1]

    def _on_step(self, event: ev.StepLoss, now: float) -> None:
        stage = self._current
        if stage is None:
            return
        epoch = stage.epoch(event.epoch)
        if epoch is None:
            epoch = EpochTiming(event.epoch, start=self._last_event)
            stage.epochs.append(epoch)
        epoch.batches += 1
        epoch.last_step = now

    def _on_epoch_metrics(self, event: ev.EpochMetrics, now: float) -> None:
        stage = self._current
        if stage is None:
            return
        if event.epoch == -1:
            stage.baseline = EpochTiming(-1, start=stage.started)
        epoch = stage.epoch(event.epoch)
        if epoch is None:
            return
        epoch.metrics_at = now
        epoch.valid_ndcg = event.valid.get(self.protocol, {}).get(MONITOR)
        epoch.improved = event.improved


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _protocol_metrics(per_protocol: dict) -> dict:
    """NDCG@10 and HR@10 of each protocol."""
    return {protocol: {"NDCG@10": m.get("NDCG@10"), "HR@10": m.get("HR@10")} for protocol, m in per_protocol.items()}
