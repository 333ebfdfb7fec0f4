"""The text encoder with the bundled all-MiniLM-L6-v2 model and its on-disk cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ur4rec.errors import ConfigError
from ur4rec.text import encoder as encoder_module
from ur4rec.text.encoder import TextEncoder

TEXTS = [
    "A space opera about rebels and an empire.",
    "",
    "A quiet drama about two sisters in a small town.",
    "A space opera about rebels and an empire.",
    "An animated film about toys that come to life.",
    "A thriller set on a night train through the Alps.",
    "A comedy about a wedding that goes wrong.",
    "A documentary about deep-sea creatures.",
]


def test_vectors_are_unit_length_and_cached(tmp_path: Path) -> None:
    vectors = TextEncoder(cache_dir=tmp_path).encode(TEXTS)

    assert vectors.shape == (len(TEXTS), 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[[0, 2, 4]], axis=1), 1.0, atol=1e-5)
    assert not vectors[1].any()  # the empty text
    assert np.array_equal(vectors[0], vectors[3])
    assert len(list(tmp_path.glob("embeddings-*.npz"))) == 1

    fresh = TextEncoder(cache_dir=tmp_path)
    again = fresh.encode(TEXTS)
    assert fresh._model is None  # every vector came from the cache
    assert np.array_equal(again, vectors)


def test_interrupted_encoding_keeps_finished_chunks(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoder_module, "CHUNK_TEXTS", 3)
    unique = sorted({text for text in TEXTS if text})

    def stop_after_first_chunk(done: int, total: int) -> None:
        assert total == len(unique)
        raise KeyboardInterrupt

    first = TextEncoder(cache_dir=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        first.encode(TEXTS, progress=stop_after_first_chunk)

    encoded: list[str] = []
    second = TextEncoder(cache_dir=tmp_path)
    model = second._load()
    original = model.encode

    def counting_encode(texts, **kwargs):
        encoded.extend(texts)
        return original(texts, **kwargs)

    monkeypatch.setattr(model, "encode", counting_encode)
    reports: list[tuple[int, int]] = []
    vectors = second.encode(TEXTS, progress=lambda done, total: reports.append((done, total)))

    assert len(encoded) == len(unique) - 3
    assert reports == [(3, len(unique) - 3)]
    reference = TextEncoder().encode(TEXTS)
    assert np.allclose(vectors, reference, atol=1e-5)


def test_unknown_model_name_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a local sentence-transformers model folder"):
        TextEncoder(str(tmp_path / "no-model"))
