"""Everything a run needs before training: data, split, texts, embeddings and the model."""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ur4rec.config import Config
from ur4rec.data.dataset import InteractionData
from ur4rec.data.split import LeaveOneOutSplit, leave_one_out
from ur4rec.llm.texts import TextTable, build_texts
from ur4rec.models.ur4rec import UR4Rec
from ur4rec.text.encoder import TextEncoder

logger = logging.getLogger(__name__)

TEXTS_SOURCE_ENV = "UR4REC_TEXTS_SOURCE"
TEXT_FILES = ("item_descriptions.json", "user_preferences.json")


@dataclass
class Prepared:
    """Data, split, texts and text embeddings of one configuration."""

    data: InteractionData
    split: LeaveOneOutSplit
    texts: TextTable
    user_text: torch.Tensor  # (U+1, T)
    item_text: torch.Tensor  # (N+1, T)


def load_data(config: Config) -> InteractionData:
    """Read the configured data set, fetching or importing MovieLens-100K when it is absent."""
    kind = config.data.dataset
    if kind == "synthetic":
        from ur4rec.data.synthetic import generate_synthetic

        return generate_synthetic(
            config.data.synthetic_users, config.data.synthetic_items,
            config.data.synthetic_interactions_per_user, config.training.seed,
        )
    from ur4rec.data.loader import load_dataset

    path = Path(config.data.data_dir)
    if kind == "ml-100k":
        from ur4rec.data.fetch import ensure_dataset

        path = ensure_dataset("ml-100k", path)
    return load_dataset(kind, path)


def locate_texts(texts_dir: str) -> Path | None:
    """Return the texts folder, importing it from `UR4REC_TEXTS_SOURCE` when it is absent.

    A folder without text files is fine: every text then comes from the offline templates.
    """
    if not texts_dir:
        return None
    path = Path(texts_dir)
    source = os.environ.get(TEXTS_SOURCE_ENV)
    if not any((path / name).is_file() for name in TEXT_FILES) and source:
        path.mkdir(parents=True, exist_ok=True)
        for name in TEXT_FILES:
            if (Path(source) / name).is_file():
                shutil.copyfile(Path(source) / name, path / f".{name}.tmp")
                os.replace(path / f".{name}.tmp", path / name)
        logger.info("imported LLM texts from %s (%s) into %s", source, TEXTS_SOURCE_ENV, path)
    return path


def prepare(config: Config, encoder: TextEncoder | None = None) -> Prepared:
    """Load the data, split it, build the texts and embed them (cached on disk)."""
    data = load_data(config)
    split = leave_one_out(data)
    texts_dir = locate_texts(config.data.texts_dir)
    texts = build_texts(data, split, texts_dir, config.data.texts_policy)
    if encoder is None:
        encoder = TextEncoder(config.text.encoder, config.text.cache_dir, config.text.batch_size)
    item_text = torch.from_numpy(encoder.encode(texts.item_texts))
    user_text = torch.from_numpy(encoder.encode(texts.user_texts))
    logger.info(
        "data %s: %d users, %d items, %d interactions", data.name, data.num_users, data.num_items,
        data.num_interactions,
    )
    return Prepared(data, split, texts, user_text, item_text)


def build_model(config: Config, prepared: Prepared) -> UR4Rec:
    torch.manual_seed(config.training.seed)
    return UR4Rec(prepared.data.num_users, prepared.data.num_items, config,
                  prepared.user_text, prepared.item_text)


def set_threads(config: Config) -> None:
    """Use `training.num_threads` CPU threads, or every core when it is 0."""
    threads = config.training.num_threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    np.random.seed(config.training.seed)
