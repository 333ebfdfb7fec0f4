"""Live training plots: losses, validation NDCG@10, expert gate weights and fusion weights.

Each curve is created once and redrawn with `setData` from bounded buffers. The x axis is a
timeline over the stages of this session: a stage starts where the previous one ended, so
curves of consecutive stages do not overlap.
"""

from __future__ import annotations

import collections
from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.plot_svg import Panel, Series, panels_to_svg
from ur4rec.config import STAGES

MAX_POINTS = 20_000
TEXT_COLOR = "#333333"
AXIS_COLOR = "#888888"
LEGEND_BRUSH = (255, 255, 255, 170)
STAGE_COLORS = {
    "pretrain_sasrec": "#1f77b4",
    "pretrain_retriever": "#ff7f0e",
    "joint_finetune": "#2ca02c",
    "end_to_end": "#d62728",
}
EXPERT_COLORS = {"preference": "#9467bd", "description": "#8c564b", "item_id": "#17becf"}
FUSION_COLORS = {"sasrec": "#1f77b4", "retriever": "#ff7f0e"}
EXPERTS = ("preference", "description", "item_id")
FUSION_SOURCES = ("sasrec", "retriever")


class CurveBuffer:
    """A plot curve with bounded x/y buffers and a flag for pending points."""

    def __init__(self, curve: pg.PlotDataItem, max_points: int = MAX_POINTS) -> None:
        self.curve = curve
        self.x: collections.deque = collections.deque(maxlen=max_points)
        self.y: collections.deque = collections.deque(maxlen=max_points)
        self.dirty = False

    def append(self, x: float, y: float) -> None:
        self.x.append(x)
        self.y.append(y)
        self.dirty = True

    def redraw(self) -> None:
        if self.dirty:
            self.curve.setData(
                np.fromiter(self.x, float, len(self.x)), np.fromiter(self.y, float, len(self.y))
            )
            self.dirty = False

    def clear(self) -> None:
        self.x.clear()
        self.y.clear()
        self.curve.setData([], [])
        self.dirty = False


class LivePlots(QWidget):
    """Four plots in one graphics layout, so they export together as one image."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

        step_label = self._x_label = self.tr("step (all stages)")
        self.loss_plot = self._add_plot(0, 0, self.tr("Training loss"), step_label)
        self.valid_plot = self._add_plot(
            0, 1, self.tr("Validation NDCG@10 (full ranking)"), step_label
        )
        self.gate_plot = self._add_plot(
            1, 0, self.tr("Expert gate weights (batch mean)"), step_label
        )
        self.fusion_plot = self._add_plot(1, 1, self.tr("Fusion weights (batch mean)"), step_label)

        self.buffers: dict[str, CurveBuffer] = {}
        for stage in STAGES:
            self.buffers[f"loss/{stage}"] = self._add_curve(
                self.loss_plot, stage, STAGE_COLORS[stage]
            )
            self.buffers[f"valid/{stage}"] = self._add_curve(
                self.valid_plot, stage, STAGE_COLORS[stage], symbol="o"
            )
        expert_names = {
            "preference": self.tr("preference"),
            "description": self.tr("description"),
            "item_id": self.tr("item ID"),
        }
        for expert in EXPERTS:
            self.buffers[f"gate/{expert}"] = self._add_curve(
                self.gate_plot, expert_names[expert], EXPERT_COLORS[expert]
            )
        fusion_names = {"sasrec": "SASRec", "retriever": self.tr("retriever")}
        for source in FUSION_SOURCES:
            self.buffers[f"fusion/{source}"] = self._add_curve(
                self.fusion_plot, fusion_names[source], FUSION_COLORS[source]
            )
        # Legends in one or two rows cover less of the curves than one entry per row.
        for plot, columns in (
            (self.loss_plot, 2),
            (self.valid_plot, 2),
            (self.gate_plot, 3),
            (self.fusion_plot, 2),
        ):
            plot.legend.setColumnCount(columns)
        self._stage_offset: dict[str, float] = {}
        self._last_x = 0.0

    def _add_plot(self, row: int, col: int, title: str, x_label: str) -> pg.PlotItem:
        # Colours are set per plot: pyqtgraph's global foreground would also restyle the dark
        # plots of the Memory screen.
        plot = self.view.addPlot(row=row, col=col)
        plot.setTitle(title, color=TEXT_COLOR)
        plot.setLabel("bottom", x_label, color=TEXT_COLOR)
        for side in ("left", "bottom"):
            plot.getAxis(side).setTextPen(TEXT_COLOR)
            plot.getAxis(side).setPen(AXIS_COLOR)
        plot.showGrid(x=True, y=True, alpha=0.3)
        plot.addLegend(offset=(-10, 10), brush=LEGEND_BRUSH, labelTextColor=TEXT_COLOR)
        plot.setClipToView(True)
        plot.setDownsampling(auto=True, mode="peak")
        return plot

    def _add_curve(
        self, plot: pg.PlotItem, name: str, color: str, symbol: str | None = None
    ) -> CurveBuffer:
        pen = pg.mkPen(color, width=2)
        if symbol:
            curve = plot.plot(
                [],
                [],
                pen=pen,
                name=name,
                symbol=symbol,
                symbolSize=7,
                symbolBrush=color,
                symbolPen=color,
            )
        else:
            curve = plot.plot([], [], pen=pen, name=name)
        return CurveBuffer(curve)

    # -- feeding data -----------------------------------------------------------------------

    def reset(self) -> None:
        for buffer in self.buffers.values():
            buffer.clear()
        self._stage_offset.clear()
        self._last_x = 0.0

    def start_stage(self, stage: str) -> None:
        """Place the stage's step 0 after everything plotted so far."""
        self._stage_offset[stage] = self._last_x

    def _x(self, stage: str, step: int) -> float:
        x = self._stage_offset.setdefault(stage, self._last_x) + step
        self._last_x = max(self._last_x, x)
        return x

    def add_loss(self, stage: str, step: int, loss: float) -> None:
        self.buffers[f"loss/{stage}"].append(self._x(stage, step), loss)

    def add_validation(self, stage: str, step: int, ndcg10: float) -> None:
        self.buffers[f"valid/{stage}"].append(self._x(stage, step), ndcg10)

    def add_gates(self, stage: str, step: int, mean: tuple[float, float, float]) -> None:
        x = self._x(stage, step)
        for expert, value in zip(EXPERTS, mean, strict=True):
            self.buffers[f"gate/{expert}"].append(x, value)

    def add_fusion(self, stage: str, step: int, sasrec: float, retriever: float) -> None:
        x = self._x(stage, step)
        self.buffers["fusion/sasrec"].append(x, sasrec)
        self.buffers["fusion/retriever"].append(x, retriever)

    def replay(self, frame: pd.DataFrame) -> None:
        """Plot the history of a saved run from `RunStore.metrics()` (stage, step, name, value)."""
        self.reset()
        for stage, rows in frame.groupby("stage", sort=False):
            if f"loss/{stage}" not in self.buffers:
                continue
            self.start_stage(stage)
            table = rows.pivot_table(index="step", columns="name", values="value", aggfunc="last")
            for step, values in table.sort_index().iterrows():
                self._replay_step(stage, int(step), values)
        self.redraw()

    def _replay_step(self, stage: str, step: int, values: pd.Series) -> None:
        def value(name: str) -> float | None:
            number = values.get(name)
            return None if number is None or pd.isna(number) else float(number)

        if (loss := value("train/loss")) is not None:
            self.add_loss(stage, step, loss)
        if (ndcg := value("valid/full/NDCG@10")) is not None:
            self.add_validation(stage, step, ndcg)
        gates = [value(f"gate/{expert}") for expert in EXPERTS]
        if None not in gates:
            self.add_gates(stage, step, tuple(gates))
        sasrec, retriever = value("fusion/sasrec"), value("fusion/retriever")
        if sasrec is not None and retriever is not None:
            self.add_fusion(stage, step, sasrec, retriever)

    def redraw(self) -> None:
        """Push new points of every changed curve to the screen (one `setData` per curve)."""
        for buffer in self.buffers.values():
            buffer.redraw()

    def curve_data(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """Return the drawn data of a curve such as "loss/pretrain_sasrec" or "gate/preference"."""
        x, y = self.buffers[key].curve.getData()
        empty = np.zeros(0)
        return (empty if x is None else x, empty if y is None else y)

    # -- export -----------------------------------------------------------------------------

    def export(self, path: str | Path) -> Path:
        """Write all four plots to a PNG or SVG file, chosen by the file suffix."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".png", ".svg"):
            raise ValueError(f"unsupported plot export format {suffix!r}; use .png or .svg")
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".png":
            pg.exporters.ImageExporter(self.view.scene()).export(str(path))
        else:
            self._export_svg(path)
        return path

    def _export_svg(self, path: Path) -> None:
        panels = [
            Panel(self.loss_plot.titleLabel.text, self._x_label, self._series("loss/", STAGES)),
            Panel(
                self.valid_plot.titleLabel.text,
                self._x_label,
                self._series("valid/", STAGES, markers=True),
            ),
            Panel(self.gate_plot.titleLabel.text, self._x_label, self._series("gate/", EXPERTS)),
            Panel(
                self.fusion_plot.titleLabel.text,
                self._x_label,
                self._series("fusion/", FUSION_SOURCES),
            ),
        ]
        svg = panels_to_svg(panels, self.tr("UR4Rec training plots"))
        path.write_text(svg, encoding="utf-8")

    def _series(self, prefix: str, names: tuple[str, ...], markers: bool = False) -> list[Series]:
        series = []
        for name in names:
            buffer = self.buffers[prefix + name]
            x, y = self.curve_data(prefix + name)
            label = buffer.curve.name() or name
            color = buffer.curve.opts["pen"].color().name()
            series.append(Series(label, color, np.asarray(x, float), np.asarray(y, float), markers))
        return series
