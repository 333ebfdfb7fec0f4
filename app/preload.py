"""Import the modules that training would otherwise import lazily on the worker thread.

Loading a module holds the GIL while Python unmarshals its bytecode and the dynamic loader maps
its shared libraries, so the UI thread cannot run meanwhile. The first `torch.optim.AdamW` pulls
in `torch._dynamo`, sympy and several hundred other modules, and the TensorBoard writer pulls in
protobuf. In the worker thread of a first run that froze the UI for up to about 0.4 s at a time
(measured on 2 shared CPU cores). `run_studio` therefore imports them before the window opens.

NOTE: importing them in a background thread while the UI thread created widgets deadlocked in
about 1 of 10 test sessions with PySide6 6.11. Both threads were blocked, the UI thread inside
garbage collection. The likely cause is the one `app/gc_guard.py` describes and now prevents, but
the imports still run on the UI thread.
"""

from __future__ import annotations

_done = False


def preload_training_modules() -> None:
    """Import what `start_run` imports lazily. Blocks, and is safe to call more than once."""
    global _done
    if _done:
        return
    import torch
    from torch.utils.tensorboard import SummaryWriter  # noqa: F401

    # The optimizer's constructor imports torch._dynamo, so a throwaway one triggers that here.
    torch.optim.AdamW([torch.zeros(1, requires_grad=True)])
    _done = True
