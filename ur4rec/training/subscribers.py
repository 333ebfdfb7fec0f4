"""Event subscribers that persist a run: the SQLite run store and TensorBoard."""

from __future__ import annotations

import logging
from pathlib import Path

from ur4rec.store.run_store import RunStore
from ur4rec.training import events as ev

logger = logging.getLogger(__name__)

EXPERT_NAMES = ("preference", "description", "item_id")


class StoreWriter:
    """Write step losses, epoch metrics, gate and fusion weights and stage results to the store."""

    def __init__(self, path: Path) -> None:
        self.store = RunStore(path)
        self._epoch: dict[str, int] = {}

    def __call__(self, event: ev.Event) -> None:
        if isinstance(event, ev.StepLoss):
            self._epoch[event.stage] = event.epoch
            self.store.log_metrics(event.stage, event.epoch, event.step, {"train/loss": event.loss})
        elif isinstance(event, ev.GateWeights):
            values = {f"gate/{name}": value for name, value in zip(EXPERT_NAMES, event.mean)}
            self.store.log_metrics(event.stage, self._epoch.get(event.stage, 0), event.step, values)
        elif isinstance(event, ev.FusionWeights):
            self.store.log_metrics(event.stage, self._epoch.get(event.stage, 0), event.step,
                                   {"fusion/sasrec": event.sasrec, "fusion/retriever": event.retriever})
        elif isinstance(event, ev.EpochMetrics):
            values = {"train/epoch_loss": event.train_loss}
            for protocol, metrics in event.valid.items():
                values.update({f"valid/{protocol}/{name}": v for name, v in metrics.items()})
            self.store.log_metrics(event.stage, event.epoch, event.step, values)
        elif isinstance(event, ev.StageFinished) and not event.stopped:
            self.store.save_stage_result(event.stage, event.result)
        elif isinstance(event, (ev.RunFinished, ev.RunFailed)):
            self.store.close()


class TensorBoardWriter:
    """Mirror losses, validation metrics and weights into TensorBoard event files."""

    def __init__(self, log_dir: Path) -> None:
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(log_dir=str(log_dir))

    def __call__(self, event: ev.Event) -> None:
        w = self.writer
        if isinstance(event, ev.StepLoss):
            w.add_scalar(f"{event.stage}/train_loss", event.loss, event.step)
        elif isinstance(event, ev.GateWeights):
            for name, value in zip(EXPERT_NAMES, event.mean):
                w.add_scalar(f"{event.stage}/gate/{name}", value, event.step)
        elif isinstance(event, ev.FusionWeights):
            w.add_scalar(f"{event.stage}/fusion/sasrec", event.sasrec, event.step)
            w.add_scalar(f"{event.stage}/fusion/retriever", event.retriever, event.step)
        elif isinstance(event, ev.MemoryStats):
            w.add_scalar(f"{event.stage}/memory/mean_drift", event.mean_drift, event.step)
            w.add_scalar(f"{event.stage}/memory/users_with_memory", event.users_with_memory, event.step)
        elif isinstance(event, ev.EpochMetrics):
            for protocol, metrics in event.valid.items():
                for name, value in metrics.items():
                    w.add_scalar(f"{event.stage}/valid_{protocol}/{name}", value, event.epoch)
        elif isinstance(event, (ev.RunFinished, ev.RunFailed)):
            w.flush()
            w.close()
