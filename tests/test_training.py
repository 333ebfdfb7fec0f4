import json

import numpy as np
import pytest
import torch

from tests.helpers import tiny_config
from ur4rec.config import STAGES
from ur4rec.data.batching import TrainBatches
from ur4rec.data.movielens import read_ml100k
from ur4rec.data.split import leave_one_out
from ur4rec.runs import open_run, recommend
from ur4rec.store.run_store import RunStore
from ur4rec.training import events as ev
from ur4rec.training.checkpoint import load_checkpoint
from ur4rec.training.runner import start_run


def test_results_have_every_stage_and_protocol(tiny_run):
    results = json.loads((tiny_run / "results.json").read_text())
    assert list(results["stages"]) == list(STAGES)
    for stage, result in results["stages"].items():
        for phase in ("valid", "test"):
            metrics = result[phase][result["score"]]
            assert set(metrics) == {"full", "sampled100"}, stage
            for protocol in metrics.values():
                assert set(protocol) >= {"HR@5", "HR@10", "HR@20", "NDCG@5", "NDCG@10", "NDCG@20", "MRR"}
                assert 0.0 <= protocol["NDCG@10"] <= protocol["HR@10"] <= 1.0
        # -1 means the stage kept the model it started from.
        assert result["best_epoch"] in (-1, 0)
    assert results["final_stage"] == "end_to_end"


def test_stage_end_scores_trained_kinds(tiny_run):
    stages = json.loads((tiny_run / "results.json").read_text())["stages"]
    # The retriever is untrained after pretrain_sasrec: neither it nor the fusion is scored there.
    assert set(stages["pretrain_sasrec"]["valid"]) == {"sasrec"}
    assert set(stages["pretrain_sasrec"]["test"]) == {"sasrec"}
    for stage in ("pretrain_retriever", "joint_finetune", "end_to_end"):
        for phase in ("valid", "test"):
            assert set(stages[stage][phase]) == {"fused", "sasrec", "retriever"}, (stage, phase)


def test_run_directory_contents(tiny_run):
    assert (tiny_run / "config.yaml").is_file()
    assert (tiny_run / "store.sqlite").is_file()
    assert list((tiny_run / "tensorboard").glob("events.out.tfevents.*"))
    for stage in STAGES:
        assert (tiny_run / "checkpoints" / stage / "best.pt").is_file()
        assert (tiny_run / "checkpoints" / stage / "last.pt").is_file()
    negatives = np.load(tiny_run / "eval_negatives.npy")
    assert negatives.shape == (944, 100)


def test_memory_snapshot_matches_checkpoint(tiny_run):
    store = RunStore(tiny_run / "store.sqlite", create=False)
    snapshots = store.list_snapshots()
    assert [s.stage for s in snapshots] == ["pretrain_retriever", "joint_finetune", "end_to_end"]
    snapshot = store.read_snapshot(snapshots[-1].id)
    state = load_checkpoint(tiny_run / "checkpoints" / "end_to_end" / "best.pt")["model"]
    assert snapshot.user_ids[:3] == ["1", "2", "3"]
    assert np.array_equal(snapshot.vectors, state["memory.memory"][1:].numpy())
    assert np.array_equal(snapshot.interaction_count, state["memory.interaction_count"][1:].numpy())
    assert np.array_equal(snapshot.drift, state["memory.drift"][1:].numpy())


def test_store_has_step_losses_and_weights(tiny_run):
    store = RunStore(tiny_run / "store.sqlite", create=False)
    metrics = store.metrics()
    names = set(metrics["name"])
    assert {"train/loss", "gate/preference", "gate/description", "gate/item_id",
            "fusion/sasrec", "fusion/retriever", "valid/full/NDCG@10"} <= names
    gates = metrics[metrics["name"].str.startswith("gate/")]
    per_step = gates.groupby(["stage", "step"])["value"].sum()
    assert np.allclose(per_step.to_numpy(), 1.0, atol=1e-4)


def test_recommendations_exclude_padding_and_history(tiny_run):
    loaded = open_run(tiny_run)
    data, split = loaded.prepared.data, loaded.prepared.split
    for raw in ("1", "13", "405", "943"):
        items = recommend(loaded, raw, k=50)
        user = data.user_index(raw)
        history = {data.item_raw_ids[i] for i in split.history(user, "test")}
        ids = [r.item_id for r in items]
        assert len(ids) == 50
        assert "" not in ids  # the padding id 0 maps to ""
        assert not history & set(ids)
        assert all(abs(sum(r.gates.values()) - 1) < 1e-4 for r in items)
        assert [r.fused for r in items] == sorted((r.fused for r in items), reverse=True)


def test_memory_uses_training_items_only(tiny_run):
    loaded = open_run(tiny_run)
    model, split = loaded.model, loaded.prepared.split
    from ur4rec.training.trainer import refresh_memory

    refresh_memory(model, loaded.prepared, step=0)
    before = model.memory.memory.clone()
    # Replace every held-out target: the memory must not change.
    split.valid_target[split.valid_target > 0] = 1
    split.test_target[split.test_target > 0] = 2
    refresh_memory(model, loaded.prepared, step=0)
    assert torch.equal(before, model.memory.memory)
    assert torch.equal(model.memory.interaction_count[1:],
                       torch.tensor([len(split.train[u]) for u in range(1, split.num_users + 1)]))


def collect_losses(bus: ev.EventBus) -> list[tuple[str, int, float]]:
    losses: list[tuple[str, int, float]] = []
    bus.subscribe(lambda e: losses.append((e.stage, e.step, e.loss)) if isinstance(e, ev.StepLoss) else None)
    return losses


def test_stop_and_resume_match_uninterrupted_run(tmp_path, ml100k_dir, texts_dir):
    overrides = ("training.epochs_per_stage=2", "training.batch_size=128",
                 "training.stages=[pretrain_sasrec, pretrain_retriever]")
    config = tiny_config(tmp_path, ml100k_dir, texts_dir, *overrides)

    bus = ev.EventBus()
    full_losses = collect_losses(bus)
    full = start_run(config, tmp_path / "full", bus=bus, tensorboard=False)

    stop = ev.StopToken()
    bus = ev.EventBus()
    first_losses = collect_losses(bus)
    # Stop in the middle of the retriever stage's second epoch.
    bus.subscribe(lambda e: stop.request_stop()
                  if isinstance(e, ev.StepLoss) and e.stage == "pretrain_retriever" and e.step == 10 else None)
    partial = start_run(config, tmp_path / "resumed", bus=bus, stop=stop, tensorboard=False)
    assert list(partial["stages"]) == ["pretrain_sasrec"]

    bus = ev.EventBus()
    second_losses = collect_losses(bus)
    resumed = start_run(config, tmp_path / "resumed", resume=True, bus=bus, tensorboard=False)

    combined = first_losses + second_losses
    assert [(stage, step) for stage, step, _ in combined] == [(stage, step) for stage, step, _ in full_losses]
    assert np.allclose([loss for *_, loss in combined], [loss for *_, loss in full_losses], rtol=0, atol=1e-6)
    for stage in ("pretrain_sasrec", "pretrain_retriever"):
        for phase in ("valid", "test"):
            a = full["stages"][stage][phase]
            b = resumed["stages"][stage][phase]
            for kind in a:
                for protocol in a[kind]:
                    for metric, value in a[kind][protocol].items():
                        assert b[kind][protocol][metric] == pytest.approx(value, abs=1e-6)


def test_windowed_sasrec_with_unmasked_monitor(tmp_path, ml100k_dir, texts_dir):
    config = tiny_config(tmp_path, ml100k_dir, texts_dir, "training.model=sasrec_only",
                         "training.stages=[pretrain_sasrec]", "training.epochs_per_stage=2",
                         "training.sasrec_windows=true", "training.monitor_protocol=full_unmasked",
                         "sasrec.scale_embeddings=false")
    bus = ev.EventBus()
    events: list[ev.Event] = []
    bus.subscribe(events.append)
    results = start_run(config, tmp_path / "run", bus=bus, tensorboard=False)

    split = leave_one_out(read_ml100k(ml100k_dir))
    windowed = TrainBatches(split, 20, config.training.batch_size, windows=True)
    one_row_per_user = TrainBatches(split, 20, config.training.batch_size)
    started = next(e for e in events if isinstance(e, ev.StageStarted))
    assert started.steps_per_epoch == len(windowed)
    # max_seq_len 20 splits most MovieLens training sequences into several windows.
    assert len(windowed) > 2 * len(one_row_per_user)
    epochs = [e for e in events if isinstance(e, ev.EpochMetrics) and e.epoch >= 0]
    assert len(epochs) == 2
    assert all("full_unmasked" in e.valid for e in epochs)
    best = max(epochs, key=lambda e: e.valid["full_unmasked"]["NDCG@10"])
    stage = results["stages"]["pretrain_sasrec"]
    assert stage["best_epoch"] == best.epoch
    written = json.loads((tmp_path / "run" / "results.json").read_text(encoding="utf-8"))
    assert written["monitor"] == "valid full_unmasked NDCG@10"
