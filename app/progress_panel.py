"""One progress bar per stage, with the epoch, the latest loss and an ETA."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QWidget

from ur4rec.training import events as ev


def format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class StageProgress:
    """Step counts and timing of one stage. The ETA assumes that the stage does not stop early."""

    def __init__(self, event: ev.StageStarted) -> None:
        self.total = max(1, event.max_epochs * event.steps_per_epoch)
        self.steps_per_epoch = max(1, event.steps_per_epoch)
        self.max_epochs = event.max_epochs
        self.done = event.start_epoch * event.steps_per_epoch
        self.first_done: int | None = None
        self.first_time = 0.0
        self.loss = float("nan")
        self.epoch = event.start_epoch

    def update(self, event: ev.StepLoss) -> None:
        self.done = event.epoch * self.steps_per_epoch + event.batch + 1
        self.epoch = event.epoch
        self.loss = event.loss
        if self.first_done is None:
            self.first_done, self.first_time = self.done, time.monotonic()

    def eta_seconds(self) -> float | None:
        """Seconds left at the rate measured since the first step seen, or None before two steps."""
        if self.first_done is None or self.done <= self.first_done:
            return None
        rate = (self.done - self.first_done) / max(time.monotonic() - self.first_time, 1e-6)
        return (self.total - self.done) / rate


class ProgressPanel(QWidget):
    """Rows of stage name, progress bar and status text, created when a run starts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setColumnStretch(1, 1)
        self.bars: dict[str, QProgressBar] = {}
        self.status: dict[str, QLabel] = {}
        self.progress: dict[str, StageProgress] = {}
        self.finished: set[str] = set()
        self._row_widgets: list[QWidget] = []
        self._placeholder = QLabel(self.tr("No run in progress."))
        self.grid.addWidget(self._placeholder, 0, 0, 1, 3)

    def set_stages(self, stages: tuple[str, ...] | list[str]) -> None:
        """Rebuild the rows for a new run."""
        for widget in self._row_widgets:
            self.grid.removeWidget(widget)
            widget.deleteLater()
        self._row_widgets.clear()
        self.bars.clear()
        self.status.clear()
        self.progress.clear()
        self.finished.clear()
        self._placeholder.setVisible(not stages)
        for row, stage in enumerate(stages, start=1):
            bar = QProgressBar()
            bar.setRange(0, 1)
            bar.setValue(0)
            status = QLabel(self.tr("waiting"))
            label = QLabel(stage)
            self.grid.addWidget(label, row, 0)
            self.grid.addWidget(bar, row, 1)
            self.grid.addWidget(status, row, 2)
            self._row_widgets += [label, bar, status]
            self.bars[stage] = bar
            self.status[stage] = status

    def stage_started(self, event: ev.StageStarted) -> None:
        if event.stage not in self.bars:
            return
        progress = StageProgress(event)
        self.progress[event.stage] = progress
        bar = self.bars[event.stage]
        bar.setRange(0, progress.total)
        bar.setValue(progress.done)
        self.status[event.stage].setText(self.tr("preparing"))

    def step(self, event: ev.StepLoss) -> None:
        progress = self.progress.get(event.stage)
        if progress is None:
            return
        progress.update(event)
        self.bars[event.stage].setValue(min(progress.done, progress.total))
        eta = progress.eta_seconds()
        eta_text = format_duration(eta) if eta is not None else "…"
        self.status[event.stage].setText(
            self.tr("epoch {epoch}/{epochs} · loss {loss} · ETA {eta}").format(
                epoch=event.epoch + 1,
                epochs=progress.max_epochs,
                loss=f"{event.loss:.4f}",
                eta=eta_text,
            )
        )

    def stage_finished(self, event: ev.StageFinished) -> None:
        bar = self.bars.get(event.stage)
        if bar is None:
            return
        if event.stopped:
            self.status[event.stage].setText(self.tr("stopped (resumable)"))
            return
        self.finished.add(event.stage)
        bar.setValue(bar.maximum())
        if event.best_epoch < 0:
            # No epoch beat the validation score of the model the stage started from.
            self.status[event.stage].setText(self.tr("done · kept the starting model"))
        else:
            self.status[event.stage].setText(
                self.tr("done · best epoch {epoch}").format(epoch=event.best_epoch + 1)
            )

    def show_saved_state(
        self, stages: list[str], completed: list[str], current: str | None
    ) -> None:
        """Show the stages of a saved run: finished, stopped (resumable) or not started."""
        self.set_stages(stages)
        for stage in stages:
            bar = self.bars[stage]
            if stage in completed:
                bar.setValue(bar.maximum())
                self.status[stage].setText(self.tr("finished earlier"))
                self.finished.add(stage)
            elif stage == current:
                self.status[stage].setText(self.tr("stopped (resumable)"))
            else:
                self.status[stage].setText(self.tr("not started"))

    def mark_unfinished(self, text: str) -> None:
        """Show `text` on every stage that started but did not finish (after an error)."""
        for stage in self.progress:
            if stage not in self.finished:
                self.status[stage].setText(text)
