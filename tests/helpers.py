"""Small builders shared by the model and training tests."""

from __future__ import annotations

from pathlib import Path

from ur4rec.config import Config, config_from_dict, load_config

REPO_ROOT = Path(__file__).resolve().parents[1]

# Text embeddings are keyed by encoder and text hash, so every test may share one cache. Encoding
# the 2,600 MovieLens texts once takes minutes on 2 cores. `pytest --cache-clear` empties it.
SHARED_EMBEDDING_CACHE = REPO_ROOT / ".pytest_cache" / "d" / "ur4rec-text-embeddings"

# Small dimensions so a four-stage run on MovieLens-100K takes seconds per stage.
TINY_OVERRIDES = [
    "training.epochs_per_stage=1",
    "training.batch_size=256",
    "data.max_seq_len=20",
    "sasrec.hidden_dim=32",
    "moe.hidden_dim=32",
    "training.max_eval_users=200",
    "training.num_threads=1",
]


def tiny_config(tmp_path: Path, ml100k_dir: Path, texts_dir: Path, *overrides: str) -> Config:
    """The quick config shrunk for tests, reading the shared data; `tmp_path` is unused."""
    return load_config(
        REPO_ROOT / "configs" / "quick.yaml",
        [
            *TINY_OVERRIDES,
            f"data.data_dir={ml100k_dir}",
            f"data.texts_dir={texts_dir}",
            f"text.cache_dir={SHARED_EMBEDDING_CACHE}",
            *overrides,
        ],
    )


def small_model_config(**sections: dict) -> Config:
    base = {
        "sasrec": {"hidden_dim": 16, "num_blocks": 1, "num_heads": 2, "dropout": 0.0},
        "moe": {"hidden_dim": 16, "num_proxies": 2, "num_heads": 2, "dropout": 0.0},
        "data": {"max_seq_len": 8},
    }
    for name, values in sections.items():
        base.setdefault(name, {}).update(values)
    return config_from_dict(base)
