"""Module alternation for the joint fine-tuning stage."""

from __future__ import annotations

from dataclasses import dataclass, field

MODULES = ("sasrec", "retriever")


@dataclass
class Alternator:
    """Decide which module trains at each joint fine-tuning step.

    Adaptive: after at least `min_steps` steps on a module, switch when its loss improved by less
    than `threshold` (relative) over the last `min_steps` steps. Otherwise switch every `every` steps.
    """

    adaptive: bool
    threshold: float
    min_steps: int
    every: int
    active: str = "sasrec"
    losses: list[float] = field(default_factory=list)
    switches: int = 0

    def record(self, loss: float) -> bool:
        """Record the active module's loss after a step; return True if the module switched."""
        self.losses.append(loss)
        if self.adaptive:
            if len(self.losses) <= self.min_steps:
                return False
            before = self.losses[-self.min_steps - 1]
            improvement = (before - loss) / max(abs(before), 1e-12)
            if improvement >= self.threshold:
                return False
        elif len(self.losses) < self.every:
            return False
        self.active = MODULES[1 - MODULES.index(self.active)]
        self.losses = []
        self.switches += 1
        return True

    def state_dict(self) -> dict:
        return {"active": self.active, "losses": list(self.losses), "switches": self.switches}

    def load_state_dict(self, state: dict) -> None:
        self.active = state["active"]
        self.losses = list(state["losses"])
        self.switches = state["switches"]
