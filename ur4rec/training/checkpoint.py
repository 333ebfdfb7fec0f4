"""Self-describing checkpoints written atomically and loaded with `weights_only=True`."""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ur4rec.errors import RunError

CHECKPOINT_VERSION = 1


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    """Write a checkpoint through a temporary file and `os.replace`, so a kill leaves the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        torch.save({"version": CHECKPOINT_VERSION, **payload}, tmp_name)
        with open(tmp_name, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Load a checkpoint on the CPU; only tensors and plain Python types are accepted."""
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise RunError(f"{path}: checkpoint not found") from None
    except (RuntimeError, EOFError, OSError, ValueError) as exc:
        raise RunError(f"{path}: checkpoint is unreadable ({exc}); delete it to restart the stage") from None
    version = payload.get("version")
    if version != CHECKPOINT_VERSION:
        raise RunError(
            f"{path}: checkpoint version {version!r} is not supported (this version reads "
            f"{CHECKPOINT_VERSION}); train the run again with this version"
        )
    return payload


def load_model_state(model: torch.nn.Module, payload: dict[str, Any], path: Path) -> None:
    """Load the checkpoint's model weights, raising `RunError` when they belong to another model."""
    state = payload.get("model")
    if not isinstance(state, dict):
        raise RunError(f"{path}: the checkpoint has no model weights; train the run again")
    problem = describe_state_mismatch(model.state_dict(), state)
    if problem:
        raise RunError(
            f"{path}: the checkpoint does not fit the model of the run's config.yaml ({problem}); "
            "it was written by another version or for another config, so restore that config "
            "or train the run again"
        )
    model.load_state_dict(state)


def describe_state_mismatch(expected: dict[str, Any], found: dict[str, Any]) -> str:
    """Name the first missing, unexpected or differently shaped tensor; "" when all match."""
    missing = [key for key in expected if key not in found]
    if missing:
        return f"{len(missing)} tensors are missing, the first is {missing[0]}"
    unexpected = [key for key in found if key not in expected]
    if unexpected:
        return f"{len(unexpected)} tensors are unknown, the first is {unexpected[0]}"
    for key, tensor in expected.items():
        shape = tuple(getattr(found[key], "shape", ()))
        if shape != tuple(tensor.shape):
            return f"{key} has shape {shape} but the model expects {tuple(tensor.shape)}"
    return ""


def capture_rng_state() -> dict[str, Any]:
    """Capture the Python, NumPy and torch RNG states as plain types and tensors."""
    py_version, py_state, py_gauss = random.getstate()
    np_name, np_keys, np_pos, np_has_gauss, np_gauss = np.random.get_state()
    return {
        "python": [py_version, list(py_state), py_gauss],
        "numpy": [np_name, torch.from_numpy(np_keys.astype(np.int64)), int(np_pos), int(np_has_gauss),
                  float(np_gauss)],
        "torch": torch.get_rng_state(),
    }


def restore_rng_state(state: dict[str, Any]) -> None:
    py_version, py_state, py_gauss = state["python"]
    random.setstate((py_version, tuple(py_state), py_gauss))
    np_name, np_keys, np_pos, np_has_gauss, np_gauss = state["numpy"]
    np.random.set_state((np_name, np_keys.numpy().astype(np.uint32), np_pos, np_has_gauss, np_gauss))
    torch.set_rng_state(state["torch"])
