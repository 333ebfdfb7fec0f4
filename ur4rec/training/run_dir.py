"""Layout of a run directory and its small JSON state files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ur4rec.config import atomic_write_text
from ur4rec.errors import RunError

RUN_FORMAT_VERSION = 1


@dataclass(frozen=True)
class RunDir:
    """Paths inside one run directory."""

    root: Path

    @property
    def config_path(self) -> Path:
        return self.root / "config.yaml"

    @property
    def results_path(self) -> Path:
        return self.root / "results.json"

    @property
    def state_path(self) -> Path:
        return self.root / "state.json"

    @property
    def store_path(self) -> Path:
        return self.root / "store.sqlite"

    @property
    def tensorboard_dir(self) -> Path:
        return self.root / "tensorboard"

    @property
    def negatives_path(self) -> Path:
        return self.root / "eval_negatives.npy"

    def checkpoint(self, stage: str, kind: str) -> Path:
        """`kind` is "last" (resume point) or "best" (best validation epoch)."""
        return self.root / "checkpoints" / stage / f"{kind}.pt"

    def read_state(self) -> dict[str, Any]:
        if not self.state_path.is_file():
            return {"format": RUN_FORMAT_VERSION, "completed": {}, "current": None}
        state = read_json(self.state_path)
        version = state.get("format") if isinstance(state, dict) else None
        if version != RUN_FORMAT_VERSION:
            raise RunError(
                f"{self.state_path}: run format {version!r} is not supported "
                f"(this version reads {RUN_FORMAT_VERSION}); start a new run directory"
            )
        if not isinstance(state.get("completed"), dict):
            raise RunError(f"{self.state_path}: the file has no 'completed' mapping of stages; "
                           "start a new run directory")
        return state

    def write_state(self, state: dict[str, Any]) -> None:
        write_json(self.state_path, state)

    def require(self) -> None:
        """Raise `RunError` unless this looks like a run directory."""
        if not self.config_path.is_file():
            raise RunError(f"{self.root}: not a run directory (no config.yaml); pass the folder "
                           "given to `ur4rec train --output`")


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunError(f"{path}: file not found") from None
    except json.JSONDecodeError as exc:
        raise RunError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None


def write_json(path: Path, payload: Any) -> None:
    atomic_write_text(path, json.dumps(payload, indent=2, sort_keys=False) + "\n")
