"""Start or resume a training run in a run directory: the call the CLI and the studio share."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from ur4rec.config import Config, load_config, save_config
from ur4rec.errors import RunError
from ur4rec.pipeline import Prepared, build_model, prepare, set_threads
from ur4rec.training import events as ev
from ur4rec.training.run_dir import RunDir
from ur4rec.training.subscribers import StoreWriter, TensorBoardWriter
from ur4rec.training.trainer import Trainer

logger = logging.getLogger(__name__)


def resolve_paths(config: Config, base: Path) -> Config:
    """Return a copy whose data, texts and cache paths are absolute (relative to `base`)."""
    def absolute(value: str) -> str:
        if not value:
            return value
        path = Path(value).expanduser()
        return str(path if path.is_absolute() else (base / path).resolve())

    data = dataclasses.replace(config.data, data_dir=absolute(config.data.data_dir),
                               texts_dir=absolute(config.data.texts_dir))
    text = dataclasses.replace(config.text, cache_dir=absolute(config.text.cache_dir))
    return dataclasses.replace(config, data=data, text=text)


def start_run(config: Config, run_dir: Path, *, stages: list[str] | None = None, resume: bool = False,
              bus: ev.EventBus | None = None, stop: ev.StopToken | None = None,
              prepared: Prepared | None = None, tensorboard: bool = True) -> dict:
    """Train `config` into `run_dir` and return the results (also written to results.json).

    With `resume`, the config stored in the run directory is used and finished stages are kept.
    """
    run = RunDir(Path(run_dir))
    if resume:
        run.require()
        run.read_state()  # an unreadable state fails here, before the slow data preparation
        config = load_config(run.config_path)
    else:
        if run.state_path.is_file():
            raise RunError(f"{run.root} already contains a run; pass --resume to continue it or choose "
                           "another --output folder")
        config = resolve_paths(config, Path.cwd())
        run.root.mkdir(parents=True, exist_ok=True)
        save_config(config, run.config_path)
    set_threads(config)
    bus = bus or ev.EventBus()
    prepared = prepared or prepare(config)
    model = build_model(config, prepared)
    store_writer = StoreWriter(run.store_path)
    bus.subscribe(store_writer)
    if tensorboard:
        bus.subscribe(TensorBoardWriter(run.tensorboard_dir))
    trainer = Trainer(config, prepared, model, run.root, bus, stop)
    try:
        return trainer.fit(stages, resume=resume)
    except Exception as exc:
        bus.emit(ev.RunFailed(str(exc)))
        raise


def load_run_config(run_dir: Path) -> Config:
    run = RunDir(Path(run_dir))
    run.require()
    return load_config(run.config_path)


