"""A real four-stage run on MovieLens-100K, trained once per test session for the studio tests.

Import `trained_run_dir_fixture` into a test module, and its tests can use `trained_run_dir`.
pytest registers an imported fixture once per module, so the trained run is also kept in a
module-level cache here: the second module that requests it gets the same folder instead of
a second training.

The text embeddings are cached in pytest's cache folder (`.pytest_cache`), which survives
between sessions. On a busy 2-core machine, embedding the 2,600 MovieLens texts took about
4 minutes, while with a warm cache the whole training took 40 to 50 s. The cache is keyed by
the encoder and the text, so a stale entry is never used. `pytest --cache-clear` empties it.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from ur4rec.config import load_config
from ur4rec.training.runner import start_run

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]

# One epoch per stage, small dimensions and a validation subset: every stage still trains,
# validates and saves its best checkpoint, and each stage that trains the memory writes a snapshot.
FAST_OVERRIDES = [
    "training.epochs_per_stage=1",
    "data.max_seq_len=20",
    "sasrec.hidden_dim=32",
    "moe.hidden_dim=32",
    "training.batch_size=256",
    "training.max_eval_users=200",
]

_trained_runs: dict[str, Path] = {}


def train_quick_run(root: Path, cache_dir: Path) -> Path:
    """Train configs/quick.yaml with FAST_OVERRIDES into `root`/run and return that folder.

    The data and texts are imported into `root` from the folders that UR4REC_ML100K_SOURCE
    and UR4REC_TEXTS_SOURCE name, so the caller sets those variables.
    """
    overrides = [
        *FAST_OVERRIDES,
        f"data.data_dir={root / 'data'}",
        f"data.texts_dir={root / 'texts'}",
        f"text.cache_dir={cache_dir}",
    ]
    config = load_config(REPO_ROOT / "configs" / "quick.yaml", overrides)
    run_dir = root / "run"
    started = time.perf_counter()
    start_run(config, run_dir, tensorboard=False)
    logger.info("Trained the test run in %.1f s", time.perf_counter() - started)
    return run_dir


@pytest.fixture(scope="session", name="trained_run_dir")
def trained_run_dir_fixture(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    ml100k_dir: Path,
    texts_dir: Path,
) -> Path:
    """Folder of a finished four-stage run, with a snapshot per stage that trains the memory."""
    if "run" not in _trained_runs:
        root = tmp_path_factory.mktemp("studio-run")
        cache_dir = request.config.cache.mkdir("ur4rec-text-embeddings")
        with pytest.MonkeyPatch.context() as env:
            env.setenv("UR4REC_ML100K_SOURCE", str(ml100k_dir))
            env.setenv("UR4REC_TEXTS_SOURCE", str(texts_dir))
            _trained_runs["run"] = train_quick_run(root, cache_dir)
    return _trained_runs["run"]
