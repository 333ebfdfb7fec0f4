"""Shared pieces of the studio tests: offscreen Qt, isolated settings, a tiny real run config.

Import this module before any Qt module is loaded, so `QT_QPA_PLATFORM` is set in time.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from ur4rec.config import Config, load_config  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
EMBEDDING_CACHE_KEY = "ur4rec-text-embeddings"

# One epoch per stage on real MovieLens-100K with small sizes: a four-stage run trains in well
# under a minute on two cores once the text embeddings are cached.
TINY_OVERRIDES = [
    "training.epochs_per_stage=1",
    "data.max_seq_len=10",
    "sasrec.hidden_dim=16",
    "moe.hidden_dim=16",
    "training.batch_size=256",
    "training.num_negatives=20",
    "training.max_eval_users=200",
]


@pytest.fixture(scope="session")
def embedding_cache(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A text-embedding cache that survives between sessions (in pytest's cache folder).

    The first session seeds it from the repository's `.cache/embeddings` when that exists, so
    the MovieLens texts need not be encoded again. Entries are keyed by encoder and text hash,
    so a seeded file can only save work and never changes a result.
    """
    cache = getattr(request.config, "cache", None)  # None under `-p no:cacheprovider`
    if cache is not None:
        cache_dir = Path(cache.mkdir(EMBEDDING_CACHE_KEY))
    else:
        cache_dir = tmp_path_factory.mktemp(EMBEDDING_CACHE_KEY)
    seed = REPO_ROOT / ".cache" / "embeddings"
    if seed.is_dir() and not any(cache_dir.glob("embeddings-*.npz")):
        for path in seed.glob("embeddings-*.npz"):
            shutil.copyfile(path, cache_dir / path.name)
    return cache_dir


@pytest.fixture
def real_data_env(monkeypatch: pytest.MonkeyPatch, ml100k_dir: Path, texts_dir: Path) -> None:
    """Let runs import MovieLens-100K and the LLM texts from the shared data folder."""
    monkeypatch.setenv("UR4REC_ML100K_SOURCE", str(ml100k_dir))
    monkeypatch.setenv("UR4REC_TEXTS_SOURCE", str(texts_dir))


def tiny_config(root: Path, cache_dir: Path, stages: list[str] | None = None,
                extra: list[str] | None = None) -> Config:
    """The CI config shrunk to seconds per stage, with data and texts imported into `root`."""
    overrides = [
        *TINY_OVERRIDES,
        f"data.data_dir={root / 'data' / 'ml-100k'}",
        f"data.texts_dir={root / 'data' / 'texts'}",
        f"text.cache_dir={cache_dir}",
        *(extra or []),
    ]
    if stages:
        overrides.append(f"training.stages=[{', '.join(stages)}]")
    return load_config(REPO_ROOT / "configs" / "quick.yaml", overrides)


@pytest.fixture
def make_tiny_config(tmp_path: Path, embedding_cache: Path):
    """`tiny_config` bound to this test's tmp_path and the shared embedding cache."""

    def make(stages: list[str] | None = None, extra: list[str] | None = None) -> Config:
        return tiny_config(tmp_path, embedding_cache, stages, extra)

    return make


@pytest.fixture
def studio_settings(tmp_path: Path):
    """Settings in an INI file under tmp_path, never the user's real settings."""
    from app.settings import Settings

    settings = Settings.from_file(tmp_path / "settings.ini")
    settings.data_folder = tmp_path
    settings.runs_folder = tmp_path / "runs"
    return settings


@pytest.fixture
def main_window(qtbot, studio_settings):
    """A shown MainWindow that answers yes to its questions and joins its threads at teardown."""
    from app.main_window import MainWindow

    window = MainWindow(studio_settings)
    window.questions = []

    def confirm(title: str, text: str) -> bool:
        window.questions.append(title)
        return True

    window.confirm = confirm
    qtbot.addWidget(window)
    window.show()
    yield window
    window.shutdown()
