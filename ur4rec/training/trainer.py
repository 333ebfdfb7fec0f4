"""The training loop over stages, with validation, early stopping, checkpoints and resume."""

from __future__ import annotations

import logging
import resource
import time
from pathlib import Path

import numpy as np
import torch

from ur4rec.config import Config
from ur4rec.data.batching import TrainBatches, pad_left, sample_eval_negatives
from ur4rec.evaluation.evaluator import SCORE_KINDS, evaluate
from ur4rec.models.ur4rec import UR4Rec
from ur4rec.pipeline import Prepared
from ur4rec.training import events as ev
from ur4rec.training.alternating import Alternator
from ur4rec.training.checkpoint import (
    capture_rng_state,
    load_checkpoint,
    load_model_state,
    restore_rng_state,
    save_checkpoint,
)
from ur4rec.training.early_stopping import EarlyStopping
from ur4rec.training.run_dir import RunDir, write_json
from ur4rec.training.stages import MODEL_STAGES, STAGE_SPECS, compute_loss, module_parameters, set_trainable

logger = logging.getLogger(__name__)

MONITOR = "NDCG@10"
FINETUNE_STAGES = ("joint_finetune", "end_to_end")


class StageState:
    """Mutable progress of one stage, saved in its `last.pt` checkpoint."""

    def __init__(self, config: Config) -> None:
        t = config.training
        self.epoch = 0  # next epoch to run
        self.batch = 0  # next batch within that epoch
        self.step = 0
        self.loss_sum = 0.0
        self.loss_count = 0
        self.started = time.time()
        self.seconds = 0.0
        self.early = EarlyStopping(t.patience)
        self.alternator = Alternator(t.use_adaptive_alternating, t.adaptive_switch_threshold,
                                     t.adaptive_min_steps, t.alternate_every)

    def state_dict(self) -> dict:
        return {
            "epoch": self.epoch, "batch": self.batch, "step": self.step, "loss_sum": self.loss_sum,
            "loss_count": self.loss_count, "seconds": self.seconds,
            "early": self.early.state_dict(), "alternator": self.alternator.state_dict(),
        }

    def load_state_dict(self, state: dict) -> None:
        for key in ("epoch", "batch", "step", "loss_sum", "loss_count", "seconds"):
            setattr(self, key, state[key])
        self.early.load_state_dict(state["early"])
        self.alternator.load_state_dict(state["alternator"])


class Trainer:
    """Run the configured stages of a UR4Rec model and report through an event bus."""

    def __init__(self, config: Config, prepared: Prepared, model: UR4Rec, run_dir: Path,
                 bus: ev.EventBus | None = None, stop: ev.StopToken | None = None) -> None:
        self.config = config
        self.prepared = prepared
        self.model = model
        self.run = RunDir(Path(run_dir))
        self.bus = bus or ev.EventBus()
        self.stop = stop or ev.StopToken()
        self._stages: list[str] = []  # the stages of the current fit, in order
        self.batches = TrainBatches(prepared.split, config.data.max_seq_len, config.training.batch_size)
        # SASRec alone may train on every window of a long sequence; stages with the memory
        # need one row per user.
        self.sasrec_batches = (
            TrainBatches(prepared.split, config.data.max_seq_len, config.training.batch_size,
                         windows=True)
            if config.training.sasrec_windows else self.batches
        )
        self.negatives = self._eval_negatives()

    def _eval_negatives(self) -> np.ndarray:
        path = self.run.negatives_path
        if path.is_file():
            return np.load(path)
        negatives = sample_eval_negatives(self.prepared.split, self.prepared.data.num_items,
                                          self.config.data.eval_negatives, self.config.training.seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npy")
        np.save(tmp, negatives)
        tmp.replace(path)
        return negatives

    def stages_to_run(self, requested: list[str] | None) -> list[str]:
        allowed = MODEL_STAGES[self.config.training.model]
        stages = [s for s in (requested or self.config.training.stages)]
        skipped = [s for s in stages if s not in allowed]
        if skipped:
            logger.info("model %s skips stages %s", self.config.training.model, ", ".join(skipped))
        return [s for s in stages if s in allowed]

    def fit(self, stages: list[str] | None = None, resume: bool = False) -> dict:
        """Run the stages in order; with `resume`, skip finished stages and continue the current one."""
        stages = self.stages_to_run(stages)
        self._stages = stages
        state = self.run.read_state() if resume else {"format": 1, "completed": {}, "current": None}
        self.bus.emit(ev.RunStarted(str(self.run.root), tuple(stages), resume))
        self._restore_completed(state, stages)
        stopped = False
        for index, stage in enumerate(stages):
            if stage in state["completed"]:
                logger.info("stage %s already finished; skipping it", stage)
                continue
            state["current"] = stage
            self.run.write_state(state)
            result = self._run_stage(stage, index, len(stages), resume and self._has_last(stage))
            if result is None:
                stopped = True
                break
            state["completed"][stage] = result
            state["current"] = None
            self.run.write_state(state)
            self._write_results(state)
        results = self._write_results(state)
        self.bus.emit(ev.RunFinished(str(self.run.root), results, stopped))
        return results

    def _has_last(self, stage: str) -> bool:
        return self.run.checkpoint(stage, "last").is_file()

    def _restore_completed(self, state: dict, stages: list[str]) -> None:
        """Load the best model of the latest finished stage before continuing."""
        finished = [s for s in stages if s in state["completed"]]
        current = state.get("current")
        if current and self._has_last(current):
            return
        if finished:
            path = self.run.checkpoint(finished[-1], "best")
            load_model_state(self.model, load_checkpoint(path), path)

    def _write_results(self, state: dict) -> dict:
        results = {
            "format": 1,
            "model": self.config.training.model,
            "monitor": f"valid {self.config.training.monitor_protocol} {MONITOR}",
            "stages": state["completed"],
            "final_stage": next(reversed(state["completed"]), None) if state["completed"] else None,
            "peak_rss_mb": peak_rss_mb(),
        }
        write_json(self.run.results_path, results)
        return results

    # -- one stage ---------------------------------------------------------------------------

    def _run_stage(self, stage: str, index: int, total: int, resume: bool) -> dict | None:
        spec = STAGE_SPECS[stage]
        cfg = self.config.training
        set_trainable(self.model, spec.modules)
        optimizer = self._optimizer(stage, spec.modules)
        st = StageState(self.config)
        if resume:
            path = self.run.checkpoint(stage, "last")
            # A kill during a checkpoint write leaves its temporary file behind.
            for stale in path.parent.glob(".*.tmp"):
                stale.unlink(missing_ok=True)
            payload = load_checkpoint(path)
            load_model_state(self.model, payload, path)
            optimizer.load_state_dict(payload["optimizer"])
            st.load_state_dict(payload["stage_state"])
            restore_rng_state(payload["rng"])
            logger.info("resuming %s at epoch %d, batch %d", stage, st.epoch, st.batch)
        self.bus.emit(ev.StageStarted(stage, index, total, cfg.epochs_per_stage,
                                      len(self.stage_batches(stage)), st.epoch))
        if not resume and index > 0:
            self._record_baseline(stage, spec, st)

        while st.epoch < cfg.epochs_per_stage and not st.early.should_stop:
            if not self._train_epoch(stage, spec, optimizer, st, mid_epoch=st.batch > 0 and resume):
                self._save_last(stage, optimizer, st)
                self.bus.emit(ev.StageFinished(stage, st.early.best_epoch, {}, True))
                return None
            resume = False
            self._end_epoch(stage, spec, optimizer, st)
        return self._finish_stage(stage, spec, st)

    def _record_baseline(self, stage: str, spec, st: StageState) -> None:
        """Validate the model this stage starts from and keep it as the best so far.

        A fine-tuning stage that only overfits then hands on the model it started with.
        """
        valid = self._validate(spec)
        st.early.update(self._monitored(valid), -1)
        st.early.bad_epochs = 0
        path = self.run.checkpoint(stage, "best")
        save_checkpoint(path, {"stage": stage, "epoch": -1, "model": self.model.state_dict(),
                               "metric": st.early.best})
        self.bus.emit(ev.EpochMetrics(stage, -1, 0, float("nan"), valid, 0.0, True))

    def _optimizer(self, stage: str, modules: tuple[str, ...]) -> torch.optim.Optimizer:
        cfg = self.config.training
        scale = cfg.finetune_lr_scale if stage in FINETUNE_STAGES else 1.0
        groups = []
        for module in modules:
            lr = scale * (cfg.sasrec_lr if module == "sasrec" else cfg.retriever_lr)
            groups.append({"params": module_parameters(self.model, module), "lr": lr, "name": module})
        return torch.optim.AdamW(groups, weight_decay=cfg.weight_decay)

    def _epoch_seed(self, stage_index: int, epoch: int) -> int:
        return (self.config.training.seed * 1_000_003 + stage_index * 10_007 + epoch) % (2**63)

    def _train_epoch(self, stage: str, spec, optimizer, st: StageState,
                     mid_epoch: bool) -> bool:
        """Train one epoch from `st.batch`; return False when a stop was requested."""
        seed = self._epoch_seed(list(STAGE_SPECS).index(stage), st.epoch)
        if not mid_epoch:
            # Seeding per epoch makes an epoch replayable after a kill, from its start.
            torch.manual_seed(seed)
            st.batch, st.loss_sum, st.loss_count = 0, 0.0, 0
        self.model.train()
        tick = time.time()
        batches = self.stage_batches(stage)
        for batch_index, batch in batches.epoch(seed, st.batch):
            if self.stop.stop_requested:
                st.seconds += time.time() - tick
                return False
            module = self._active_modules(stage, st)
            step_out = compute_loss(self.model, batch, spec.score, self.config.training.num_negatives,
                                    self.config.training.loss_positions)
            optimizer.zero_grad(set_to_none=True)
            step_out.loss.backward()
            optimizer.step()
            loss = float(step_out.loss.detach())
            st.step += 1
            st.batch = batch_index + 1
            st.loss_sum += loss
            st.loss_count += 1
            if stage == "joint_finetune" and st.alternator.record(loss):
                logger.debug("joint_finetune switched to %s at step %d", st.alternator.active, st.step)
            self._after_step(stage, st, batch, step_out, loss, module, len(batches))
        st.seconds += time.time() - tick
        return True

    def _active_modules(self, stage: str, st: StageState) -> str:
        if stage != "joint_finetune":
            return "+".join(STAGE_SPECS[stage].modules)
        active = st.alternator.active
        set_trainable(self.model, (active,))
        return active

    def stage_batches(self, stage: str) -> TrainBatches:
        return self.sasrec_batches if stage == "pretrain_sasrec" else self.batches

    def _after_step(self, stage: str, st: StageState, batch, step_out, loss: float, module: str,
                    num_batches: int) -> None:
        if step_out.out is not None:
            self.model.store_memory(batch.user_ids, step_out.out, batch.seq_lens, st.step)
            self._time_based_update(batch, step_out, st.step)
        self.bus.emit(ev.StepLoss(stage, st.epoch, st.step, st.batch - 1, num_batches, loss, module))
        if step_out.gates is not None and len(step_out.gates):
            gates = step_out.gates
            hist = tuple(tuple(int(c) for c in torch.histc(gates[:, e], bins=10, min=0, max=1))
                         for e in range(gates.size(1)))
            mean = tuple(float(v) for v in gates.mean(0))
            self.bus.emit(ev.GateWeights(stage, st.step, mean, hist))
        if step_out.fusion is not None and len(step_out.fusion):
            weights = step_out.fusion.mean(0)
            self.bus.emit(ev.FusionWeights(stage, st.step, float(weights[0]), float(weights[1])))
        if self.model.memory is not None and step_out.out is not None:
            stats = self.model.memory.statistics()
            self.bus.emit(ev.MemoryStats(stage, st.step, int(stats["users_with_memory"]),
                                         int(stats["updates"]), stats["mean_drift"]))

    def _time_based_update(self, batch, step_out, step: int) -> None:
        memory = self.model.memory
        if memory is None or memory.config.update_trigger != "TIME_BASED":
            return
        if step % memory.config.time_interval == 0:
            rep = step_out.out.retriever.representation[:, -1].detach()  # (B, D)
            memory.update(batch.user_ids, rep, step)

    def _end_epoch(self, stage: str, spec, optimizer, st: StageState) -> None:
        epoch = st.epoch
        train_loss = st.loss_sum / max(st.loss_count, 1)
        valid, improved = {}, False
        if (epoch + 1) % self.config.training.eval_every == 0 or epoch + 1 == self.config.training.epochs_per_stage:
            valid = self._validate(spec)
            improved = st.early.update(self._monitored(valid), epoch)
        st.epoch, st.batch = epoch + 1, 0
        self.bus.emit(ev.EpochMetrics(stage, epoch, st.step, train_loss, valid, st.seconds, improved))
        if improved:
            path = self.run.checkpoint(stage, "best")
            save_checkpoint(path, {"stage": stage, "epoch": epoch, "model": self.model.state_dict(),
                                   "metric": st.early.best})
            self.bus.emit(ev.CheckpointSaved(stage, epoch, str(path), True))
        self._save_last(stage, optimizer, st)

    def _validate(self, spec) -> dict[str, dict[str, float]]:
        """Evaluate the stage's score kind on the validation users: {protocol: {metric: value}}."""
        unmasked = self.config.training.monitor_protocol == "full_unmasked"
        return evaluate(self.model, self.prepared.split, "valid", self.negatives,
                        users=self._validation_users(), score_kinds=(spec.score,),
                        unmasked=unmasked)[spec.score]

    def _monitored(self, valid: dict[str, dict[str, float]]) -> float:
        return valid[self.config.training.monitor_protocol][MONITOR]

    def _validation_users(self) -> np.ndarray | None:
        limit = self.config.training.max_eval_users
        users = self.prepared.split.eval_users()
        if limit and limit < len(users):
            return np.random.default_rng(self.config.training.seed).choice(users, limit, replace=False)
        return None

    def _save_last(self, stage: str, optimizer, st: StageState) -> None:
        path = self.run.checkpoint(stage, "last")
        save_checkpoint(path, {
            "stage": stage, "model": self.model.state_dict(), "optimizer": optimizer.state_dict(),
            "stage_state": st.state_dict(), "rng": capture_rng_state(),
        })
        self.bus.emit(ev.CheckpointSaved(stage, st.epoch, str(path), False))

    def _finish_stage(self, stage: str, spec, st: StageState) -> dict:
        best_path = self.run.checkpoint(stage, "best")
        if best_path.is_file():
            self.model.load_state_dict(load_checkpoint(best_path)["model"])
        snapshot_id = None
        if "retriever" in spec.modules:
            snapshot_id = self._refresh_and_snapshot(stage, st)
        split = self.prepared.split
        kinds = self._trained_score_kinds(stage, spec)
        result = {
            "score": spec.score,
            "best_epoch": st.early.best_epoch,
            "epochs_run": st.epoch,
            "steps": st.step,
            "train_seconds": round(st.seconds, 3),
            "memory_snapshot": snapshot_id,
            "valid": evaluate(self.model, split, "valid", self.negatives, score_kinds=kinds),
            "test": evaluate(self.model, split, "test", self.negatives, score_kinds=kinds),
        }
        if best_path.is_file():
            # The best checkpoint also carries the refreshed memory for `recommend` and `evaluate`.
            save_checkpoint(best_path, {"stage": stage, "epoch": st.early.best_epoch,
                                        "model": self.model.state_dict(), "metric": st.early.best})
        self.bus.emit(ev.StageFinished(stage, st.early.best_epoch, result, False))
        return result

    def _trained_score_kinds(self, stage: str, spec) -> tuple[str, ...]:
        """Return the score kinds to evaluate at the end of `stage`: those whose modules have trained.

        After `pretrain_sasrec` the retriever still has its initial weights, so its score and the
        fused one are meaningless. On a large catalogue they would also cost two full passes.
        """
        done = self._stages[:self._stages.index(stage) + 1]
        trained = {module for name in done for module in STAGE_SPECS[name].modules}
        needed = {"sasrec": {"sasrec"} if self.model.uses_sasrec else set(),
                  "retriever": {"retriever"} if self.model.uses_retriever else set()}
        needed["fused"] = needed["sasrec"] | needed["retriever"]
        return tuple(kind for kind in SCORE_KINDS
                     if kind == spec.score or (self._score_available(kind) and needed[kind] <= trained))

    def _score_available(self, kind: str) -> bool:
        if kind == "sasrec":
            return self.model.uses_sasrec
        if kind == "retriever":
            return self.model.uses_retriever
        return True

    def _refresh_and_snapshot(self, stage: str, st: StageState) -> int | None:
        """Rebuild every user's memory from their training sequence and store a snapshot."""
        if self.model.memory is None or not self.model.uses_retriever:
            return None
        refresh_memory(self.model, self.prepared, st.step)
        from ur4rec.store.run_store import RunStore

        memory = self.model.memory
        store = RunStore(self.run.store_path)
        try:
            snapshot_id = store.write_snapshot(
                stage, st.early.best_epoch, st.step, self.prepared.data.user_raw_ids[1:],
                memory.memory[1:].numpy().astype(np.float32), memory.interaction_count[1:].numpy(),
                memory.last_update_step[1:].numpy(), memory.drift[1:].numpy(),
            )
        finally:
            store.close()
        self.bus.emit(ev.SnapshotSaved(stage, st.early.best_epoch, snapshot_id, self.prepared.data.num_users))
        return snapshot_id


@torch.inference_mode()
def refresh_memory(model: UR4Rec, prepared: Prepared, step: int, batch_size: int = 512) -> None:
    """Recompute the memory of all users from their full training sequences (eval mode).

    Sequence triggers replay each sequence; TIME_BASED and EXPLICIT apply one requested update.
    """
    memory = model.memory
    was_training = model.training
    model.eval()
    split = prepared.split
    users = np.arange(1, split.num_users + 1)
    for start in range(0, len(users), batch_size):
        batch_users = users[start:start + batch_size]
        seqs = [split.train[u] for u in batch_users]
        user_ids = torch.from_numpy(batch_users)
        item_seq = torch.from_numpy(pad_left(seqs, model.max_len))
        lengths = torch.tensor([len(s) for s in seqs])
        out = model(user_ids, item_seq, positions=1)
        if memory.sequence_triggered:
            model.store_memory(user_ids, out, lengths, step)
        else:
            memory.interaction_count[user_ids] = lengths
            memory.update(user_ids, out.retriever.representation[:, -1], step)
    model.train(was_training)


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)
