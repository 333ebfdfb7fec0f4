"""Import the modules that training would otherwise import lazily on the worker thread.

Loading a module holds the GIL while Python unmarshals its bytecode and the dynamic loader maps
its shared libraries, so the UI thread cannot run meanwhile. The first `torch.optim.AdamW` pulls
in `torch._dynamo`, sympy and several hundred other modules, and the TensorBoard writer pulls in
protobuf: in the worker thread of a first run that froze the UI for up to about 0.4 s at a time
(measured on 2 shared CPU cores). Importing them once in a background thread at startup moves
those stalls to the first seconds after the window opens.
"""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger(__name__)

_done = threading.Event()
_lock = threading.Lock()
_thread: threading.Thread | None = None


def preload_training_modules() -> None:
    """Import what `start_run` imports lazily (blocking; safe to call more than once)."""
    if _done.is_set():
        return
    import torch
    from torch.utils.tensorboard import SummaryWriter  # noqa: F401

    # The optimizer's constructor imports torch._dynamo; a throwaway one triggers that here.
    torch.optim.AdamW([torch.zeros(1, requires_grad=True)])
    _done.set()


def _run() -> None:
    try:
        preload_training_modules()
    except ImportError as exc:
        # Training imports the same modules and reports the error to the window.
        logger.warning("preloading the training modules failed: %s", exc)
        _done.set()


def start_preload() -> None:
    """Start `preload_training_modules` in a background thread unless it already ran."""
    global _thread
    with _lock:
        if _thread is None and not _done.is_set():
            _thread = threading.Thread(target=_run, name="ur4rec-preload")
            _thread.start()


def wait_for_preload(timeout: float | None = None) -> bool:
    """Block until the preload has finished; return False on timeout."""
    return _done.wait(timeout)
