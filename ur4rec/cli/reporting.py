"""Console output of the CLI: a progress bar per stage and metric tables."""

from __future__ import annotations

import sys

from tqdm import tqdm

from ur4rec.training import events as ev

TABLE_METRICS = ("NDCG@10", "HR@10", "MRR")


class ProgressPrinter:
    """Show one tqdm bar per stage with ETA, the latest loss and validation NDCG@10."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.bar: tqdm | None = None
        self.last_valid = float("nan")

    def __call__(self, event: ev.Event) -> None:
        if not self.enabled:
            return
        if isinstance(event, ev.StageStarted):
            self._close()
            total = event.max_epochs * event.steps_per_epoch
            self.bar = tqdm(total=total, initial=event.start_epoch * event.steps_per_epoch,
                            desc=f"[{event.index + 1}/{event.total}] {event.stage}", unit="step",
                            file=sys.stderr, dynamic_ncols=True)
        elif isinstance(event, ev.StepLoss) and self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(epoch=event.epoch, loss=f"{event.loss:.4f}",
                                 valid_ndcg10=f"{self.last_valid:.4f}", refresh=False)
        elif isinstance(event, ev.EpochMetrics) and event.valid:
            self.last_valid = event.valid["full"]["NDCG@10"]
        elif isinstance(event, ev.StageFinished):
            if self.bar is not None and not event.stopped:
                self.bar.total = self.bar.n
                self.bar.refresh()
            self._close()
        elif isinstance(event, (ev.RunFinished, ev.RunFailed)):
            self._close()

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(lines)


def results_rows(results: dict, score: str | None = None) -> list[list[str]]:
    """Rows (stage, score, phase, protocol, metrics...) of a results.json mapping."""
    rows = []
    for stage, result in results.get("stages", {}).items():
        kind = score or result["score"]
        for phase in ("valid", "test"):
            per_kind = result[phase].get(kind)
            if per_kind is None:
                continue
            for protocol, metrics in per_kind.items():
                rows.append([stage, kind, phase, protocol] + [f"{metrics[m]:.4f}" for m in TABLE_METRICS])
    return rows


def results_table(results: dict) -> str:
    header = ["stage", "score", "phase", "protocol", *TABLE_METRICS]
    return format_table(header, results_rows(results))
