"""Per-user memory bank: one tensor for all users, GRU updates with decay, four triggers."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ur4rec.config import MemoryConfig

SEQUENCE_TRIGGERS = ("INTERACTION_COUNT", "DRIFT_THRESHOLD")


@dataclass
class ReplayResult:
    """Memory states along a batch of sequences."""

    states: torch.Tensor  # (B, L, D): memory after the item at each position
    final: torch.Tensor  # (B, D)
    has_memory: torch.Tensor  # (B,) bool
    num_updates: torch.Tensor  # (B,) int64
    last_update_pos: torch.Tensor  # (B,) int64, -1 when never updated
    drift: torch.Tensor  # (B,) cosine distance between the last two memory states


class MemoryBank(nn.Module):
    """Memory vectors of every user, their bounded history and update statistics.

    With INTERACTION_COUNT or DRIFT_THRESHOLD the memory is a function of the user's sequence:
    `replay` walks the sequence position by position (vectorised over users) and updates the
    state where the trigger fires, so the memory at position t has only seen items up to t.
    With TIME_BASED and EXPLICIT the trainer or the user calls `update`, and `read` returns the
    stored state.
    """

    def __init__(self, num_users: int, dim: int, config: MemoryConfig) -> None:
        super().__init__()
        self.config = config
        self.dim = dim
        self.history_size = config.max_memory_size
        self.gru = nn.GRUCell(dim, dim)
        self.register_buffer("memory", torch.zeros(num_users + 1, dim))
        self.register_buffer("history", torch.zeros(num_users + 1, self.history_size, dim))
        self.register_buffer("history_len", torch.zeros(num_users + 1, dtype=torch.long))
        self.register_buffer("has_memory", torch.zeros(num_users + 1, dtype=torch.bool))
        self.register_buffer("interaction_count", torch.zeros(num_users + 1, dtype=torch.long))
        self.register_buffer("last_update_step", torch.full((num_users + 1,), -1, dtype=torch.long))
        self.register_buffer("drift", torch.zeros(num_users + 1))
        self.register_buffer("num_updates", torch.zeros(num_users + 1, dtype=torch.long))

    @property
    def sequence_triggered(self) -> bool:
        return self.config.update_trigger in SEQUENCE_TRIGGERS

    def blend_update(self, old: torch.Tensor, rep: torch.Tensor, has: torch.Tensor) -> torch.Tensor:
        """Return the updated state: decay * old + (1 - decay) * GRU(rep, old); GRU(rep, 0) if new."""
        proposal = self.gru(rep, old)  # (B, D)
        decay = self.config.decay_factor
        return torch.where(has.unsqueeze(-1), decay * old + (1.0 - decay) * proposal, proposal)

    def replay(self, reps: torch.Tensor, is_item: torch.Tensor) -> ReplayResult:
        """Run the sequence trigger over positions; reps (B, L, D), is_item (B, L)."""
        batch, length, _ = reps.shape
        state = reps.new_zeros(batch, self.dim)
        has = torch.zeros(batch, dtype=torch.bool, device=reps.device)
        pending = torch.zeros(batch, dtype=torch.long, device=reps.device)
        num_updates = torch.zeros_like(pending)
        last_pos = torch.full_like(pending, -1)
        drift = reps.new_zeros(batch)
        states = []
        for t in range(length):
            valid = is_item[:, t]
            rep = reps[:, t]  # (B, D)
            pending = pending + valid.long()
            distance = 1.0 - F.cosine_similarity(rep, state, dim=-1)  # (B,)
            if self.config.update_trigger == "INTERACTION_COUNT":
                fire = valid & (pending >= self.config.interaction_threshold)
            else:
                fire = valid & (~has | (distance > self.config.drift_threshold))
            new_state = self.blend_update(state, rep, has)
            step_drift = torch.where(has, 1.0 - F.cosine_similarity(new_state, state, dim=-1), drift)
            state = torch.where(fire.unsqueeze(-1), new_state, state)
            drift = torch.where(fire, step_drift.detach(), drift)
            has = has | fire
            pending = torch.where(fire, torch.zeros_like(pending), pending)
            num_updates = num_updates + fire.long()
            last_pos = torch.where(fire, torch.full_like(last_pos, t), last_pos)
            states.append(state)
        return ReplayResult(torch.stack(states, dim=1), state, has, num_updates, last_pos, drift)

    def read(self, user_ids: torch.Tensor) -> torch.Tensor:
        """Return the stored memory of users (B,) -> (B, D); zeros where none exists."""
        return self.memory[user_ids]

    @torch.no_grad()
    def store(self, user_ids: torch.Tensor, states: torch.Tensor, updated: torch.Tensor,
              step: int, interaction_count: torch.Tensor, drift: torch.Tensor,
              num_updates: torch.Tensor) -> None:
        """Write new states for the users whose memory changed, pushing the old state to history.

        `num_updates` is each user's total update count after this write.
        """
        self.interaction_count[user_ids] = interaction_count
        changed = updated & (~self.has_memory[user_ids] | (states != self.memory[user_ids]).any(-1))
        if not bool(changed.any()):
            return
        users = user_ids[changed]
        self._push_history(users)
        self.memory[users] = states[changed].detach()
        self.has_memory[users] = True
        self.drift[users] = drift[changed]
        self.last_update_step[users] = step
        self.num_updates[users] = num_updates[changed]

    @torch.no_grad()
    def update(self, user_ids: torch.Tensor, reps: torch.Tensor, step: int) -> int:
        """Apply one GRU update to the given users now (TIME_BASED and EXPLICIT triggers)."""
        old = self.memory[user_ids]
        has = self.has_memory[user_ids]
        new = self.blend_update(old, reps.detach(), has)
        drift = torch.where(has, 1.0 - F.cosine_similarity(new, old, dim=-1), torch.zeros_like(new[:, 0]))
        self.store(user_ids, new, torch.ones_like(has), step, self.interaction_count[user_ids], drift,
                   self.num_updates[user_ids] + 1)
        return int(user_ids.numel())

    def _push_history(self, users: torch.Tensor) -> None:
        if self.history_size == 0:
            return
        had = self.has_memory[users]
        users = users[had]
        if users.numel() == 0:
            return
        # Shift the ring so index 0 is always the most recent earlier state.
        self.history[users] = torch.roll(self.history[users], shifts=1, dims=1)
        self.history[users, 0] = self.memory[users]
        self.history_len[users] = (self.history_len[users] + 1).clamp(max=self.history_size)

    def statistics(self) -> dict[str, float]:
        """Return users with memory, total updates and mean drift (over users with memory)."""
        with_memory = int(self.has_memory[1:].sum())
        mean_drift = float(self.drift[1:][self.has_memory[1:]].mean()) if with_memory else 0.0
        return {
            "users_with_memory": float(with_memory),
            "updates": float(self.num_updates[1:].sum()),
            "mean_drift": mean_drift,
        }
