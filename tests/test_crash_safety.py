"""Crash safety: a run killed mid-stage resumes to the same result, and no write is ever partial."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from tests.helpers import REPO_ROOT, SHARED_EMBEDDING_CACHE
from ur4rec.config import Config, atomic_write_text, save_config
from ur4rec.llm.cache import write_json_atomic
from ur4rec.store.run_store import RunStore
from ur4rec.training.checkpoint import (
    CHECKPOINT_VERSION,
    capture_rng_state,
    load_checkpoint,
    restore_rng_state,
    save_checkpoint,
)
from ur4rec.training.run_dir import write_json

STAGES = ["pretrain_sasrec", "pretrain_retriever"]
KILLED_STAGE = "pretrain_retriever"
POLL_S = 0.05
RUN_TIMEOUT_S = 600


def write_tiny_config(path: Path, ml100k_dir: Path, texts_dir: Path) -> Path:
    config = {
        "data": {"data_dir": str(ml100k_dir), "texts_dir": str(texts_dir), "max_seq_len": 20},
        "sasrec": {"hidden_dim": 32},
        "moe": {"hidden_dim": 32},
        "text": {"cache_dir": str(SHARED_EMBEDDING_CACHE)},
        "training": {"stages": STAGES, "epochs_per_stage": 3, "patience": 3, "batch_size": 128,
                     "max_eval_users": 100, "num_threads": 1, "seed": 42},
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def start_train(config: Path, output: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("UR4REC_ML100K_SOURCE", None)
    env.pop("UR4REC_TEXTS_SOURCE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "ur4rec.cli", "-q", "train", "--config", str(config), "--output",
         str(output), "--no-progress", "--stages", *STAGES, *extra],
        env=env, cwd=output.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finish(process: subprocess.Popen) -> None:
    out, err = process.communicate(timeout=RUN_TIMEOUT_S)
    assert process.returncode == 0, f"exit code {process.returncode}\n{out}\n{err}"


def wait_until(condition, process: subprocess.Popen, event: str, poll_s: float = POLL_S) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while not condition():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the process ended (exit code {process.returncode}) before {event}\n"
                        f"{out}\n{err}")
        assert time.monotonic() < deadline, f"timed out waiting until {event}"
        time.sleep(poll_s)


def mid_second_epoch(store_path: Path) -> bool:
    """True once the killed stage has logged two steps after its first epoch ended."""
    if not store_path.is_file():
        return False
    with RunStore(store_path, create=False) as store:
        metrics = store.metrics(KILLED_STAGE)
    ends = metrics[(metrics["name"] == "train/epoch_loss") & (metrics["epoch"] == 0)]
    if ends.empty:
        return False
    losses = metrics[metrics["name"] == "train/loss"]
    return bool((losses["step"] >= int(ends["step"].iloc[0]) + 2).any())


def step_losses(run: Path) -> list[tuple[str, int, float]]:
    with RunStore(run / "store.sqlite", create=False) as store:
        metrics = store.metrics()
    losses = metrics[metrics["name"] == "train/loss"]
    return list(zip(losses["stage"], losses["step"].astype(int), losses["value"], strict=True))


def flat_metrics(results: dict) -> dict[str, float]:
    flat = {}
    for stage, result in results["stages"].items():
        for phase in ("valid", "test"):
            for kind, protocols in result[phase].items():
                for protocol, metrics in protocols.items():
                    for name, value in metrics.items():
                        flat[f"{stage}/{phase}/{kind}/{protocol}/{name}"] = value
    return flat


@pytest.mark.slow
def test_killed_run_resumes_like_uninterrupted_run(tmp_path, ml100k_dir, texts_dir):
    config = write_tiny_config(tmp_path / "tiny.yaml", ml100k_dir, texts_dir)
    full_dir, killed_dir = tmp_path / "full", tmp_path / "killed"

    full = start_train(config, full_dir)
    # The first run fills the embedding cache, so the second one starts only after its preparation.
    wait_until(lambda: (full_dir / "state.json").is_file(), full, "the full run prepared its data")
    killed = start_train(config, killed_dir)
    wait_until(lambda: (killed_dir / "checkpoints" / KILLED_STAGE / "last.pt").is_file(), killed,
               f"the first epoch of {KILLED_STAGE} was saved")
    wait_until(lambda: mid_second_epoch(killed_dir / "store.sqlite"), killed,
               f"{KILLED_STAGE} trained into its second epoch")
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=60)
    assert killed.returncode == -signal.SIGKILL

    state = json.loads((killed_dir / "state.json").read_text())
    assert state["current"] == KILLED_STAGE
    assert list(state["completed"]) == ["pretrain_sasrec"]
    last = load_checkpoint(killed_dir / "checkpoints" / KILLED_STAGE / "last.pt")
    assert last["stage_state"]["epoch"] == 1
    assert last["stage_state"]["batch"] == 0

    resumed = start_train(config, killed_dir, "--resume")
    finish(resumed)
    finish(full)

    full_losses, resumed_losses = step_losses(full_dir), step_losses(killed_dir)
    assert [(stage, step) for stage, step, _ in resumed_losses] == [
        (stage, step) for stage, step, _ in full_losses]
    assert np.allclose([loss for *_, loss in resumed_losses], [loss for *_, loss in full_losses],
                       rtol=0, atol=1e-6)

    full_results = json.loads((full_dir / "results.json").read_text())
    resumed_results = json.loads((killed_dir / "results.json").read_text())
    assert list(resumed_results["stages"]) == STAGES
    expected, actual = flat_metrics(full_results), flat_metrics(resumed_results)
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        assert actual[key] == pytest.approx(value, abs=1e-6), key

    full_best = load_checkpoint(full_dir / "checkpoints" / KILLED_STAGE / "best.pt")["model"]
    resumed_best = load_checkpoint(killed_dir / "checkpoints" / KILLED_STAGE / "best.pt")["model"]
    for name, tensor in full_best.items():
        assert torch.allclose(resumed_best[name].float(), tensor.float(), rtol=0, atol=1e-6), name
    # The kill landed between checkpoint writes, so no temporary file may be left.
    assert not [p for p in killed_dir.rglob("*") if ".tmp" in p.name]


# A child process that saves a large checkpoint over and over and prints each finished save.
SAVE_LOOP = """
import sys
from pathlib import Path
import torch
from ur4rec.training.checkpoint import save_checkpoint

path = Path(sys.argv[1])
for i in range(10**6):
    save_checkpoint(path, {"model": {"w": torch.full((4_000_000,), float(i))}, "i": i})
    print(i, flush=True)
"""


def test_kill_during_checkpoint_write_keeps_last_complete_file(tmp_path):
    path = tmp_path / "checkpoints" / "last.pt"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    landed_mid_write = 0
    # Kill at several moments after the temporary file appears: while torch.save writes, at
    # fsync, or at the rename.
    for delay_s in (0.0, 0.01, 0.03):
        child = subprocess.Popen([sys.executable, "-c", SAVE_LOOP, str(path)], env=env,
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "0", "the save loop failed"
        wait_until(lambda: any(p.suffix == ".tmp" for p in path.parent.iterdir()), child,
                   "a checkpoint write started", poll_s=0.001)
        time.sleep(delay_s)
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=60)

        payload = load_checkpoint(path)
        assert torch.equal(payload["model"]["w"], torch.full((4_000_000,), float(payload["i"])))
        leftovers = [p for p in path.parent.iterdir() if p != path]
        assert all(p.name.startswith(".last.pt.") and p.name.endswith(".tmp") for p in leftovers)
        landed_mid_write += bool(leftovers)
        for leftover in leftovers:
            leftover.unlink()
    assert landed_mid_write, "no kill landed inside a checkpoint write"


def test_failed_checkpoint_write_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "last.pt"
    save_checkpoint(path, {"model": {"w": torch.zeros(3)}, "i": 1})
    real_save = torch.save

    def save_half_then_fail(obj, name):
        real_save(obj, name)
        with open(name, "r+b") as handle:
            handle.truncate(os.path.getsize(name) // 2)
        raise OSError("no space left on device")

    monkeypatch.setattr("ur4rec.training.checkpoint.torch.save", save_half_then_fail)
    with pytest.raises(OSError, match="no space left"):
        save_checkpoint(path, {"model": {"w": torch.ones(3)}, "i": 2})

    assert load_checkpoint(path)["i"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]


def test_checkpoint_is_self_describing_and_cpu_loadable(tiny_run):
    path = tiny_run / "checkpoints" / "pretrain_retriever" / "last.pt"

    payload = torch.load(path, weights_only=True, map_location="cpu")

    assert payload["version"] == CHECKPOINT_VERSION
    assert payload["stage"] == "pretrain_retriever"
    tensors = [t for t in payload["model"].values()]
    assert all(t.device.type == "cpu" for t in tensors)
    for buffer in ("memory", "history", "history_len", "has_memory", "interaction_count",
                   "last_update_step", "drift", "num_updates"):
        assert f"memory.{buffer}" in payload["model"], buffer
    assert int(payload["model"]["memory.has_memory"].sum()) > 0

    optimizer = payload["optimizer"]
    assert optimizer["state"], "the optimizer state is empty"
    assert {group["name"] for group in optimizer["param_groups"]} == {"retriever"}
    for state in optimizer["state"].values():
        assert {"exp_avg", "exp_avg_sq"} <= set(state)

    stage_state = payload["stage_state"]
    assert stage_state["epoch"] == 1
    assert stage_state["batch"] == 0
    assert stage_state["step"] > 0
    assert set(stage_state["early"]) == {"patience", "best", "best_epoch", "bad_epochs"}
    assert set(stage_state["alternator"]) == {"active", "losses", "switches"}

    assert set(payload["rng"]) == {"python", "numpy", "torch"}


def test_rng_state_round_trip_through_checkpoint(tmp_path):
    import random

    path = tmp_path / "rng.pt"
    save_checkpoint(path, {"rng": capture_rng_state()})
    expected = (random.random(), np.random.random(), torch.rand(3))

    restore_rng_state(load_checkpoint(path)["rng"])

    assert random.random() == expected[0]
    assert np.random.random() == expected[1]
    assert torch.equal(torch.rand(3), expected[2])


def test_unreadable_checkpoint_names_file(tmp_path):
    from ur4rec.errors import RunError

    path = tmp_path / "last.pt"
    path.write_bytes(b"PK\x03\x04 not a checkpoint")
    with pytest.raises(RunError, match="last.pt: checkpoint is unreadable"):
        load_checkpoint(path)


def fail_fsync(fd: int) -> None:
    raise OSError("I/O error")


WRITERS = {
    "atomic_write_text": lambda path: atomic_write_text(path, "new text\n"),
    "write_json": lambda path: write_json(path, {"new": True}),
    "save_config": lambda path: save_config(Config(), path),
    "write_json_atomic": lambda path: write_json_atomic(path, {"new": True}),
}


@pytest.mark.parametrize("writer", list(WRITERS))
def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch, writer):
    path = tmp_path / "results.json"
    path.write_text("old\n")
    monkeypatch.setattr(os, "fsync", fail_fsync)

    with pytest.raises(OSError, match="I/O error"):
        WRITERS[writer](path)

    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_interrupted_write_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "state.json"

    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(path, "{}")

    assert list(tmp_path.iterdir()) == []
