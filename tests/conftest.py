"""Shared fixtures: the real MovieLens-100K and LLM texts from the shared data folder.

`UR4REC_SHARED_DATA` overrides the folder that contains `ml-100k/`, `llm-generated/` and `sasrec/`;
by default it is `../shared/data` beside the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_root() -> Path:
    return Path(os.environ.get("UR4REC_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def ml100k_dir() -> Path:
    path = shared_data_root() / "ml-100k"
    if not (path / "u.data").is_file():
        pytest.skip(f"MovieLens-100K not found at {path}; set UR4REC_SHARED_DATA")
    return path


@pytest.fixture(scope="session")
def texts_dir() -> Path:
    path = shared_data_root() / "llm-generated" / "ml-100k"
    if not (path / "user_preferences.json").is_file():
        pytest.skip(f"LLM texts not found at {path}; set UR4REC_SHARED_DATA")
    return path


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, ml100k_dir, texts_dir) -> Path:
    """A four-stage run of the shrunk quick config on the real MovieLens-100K and texts."""
    from tests.helpers import tiny_config
    from ur4rec.training.runner import start_run

    root = tmp_path_factory.mktemp("tiny_run")
    config = tiny_config(root, ml100k_dir, texts_dir)
    start_run(config, root / "run", tensorboard=True)
    return root / "run"


@pytest.fixture(autouse=True)
def ui_thread_garbage_collection(request: pytest.FixtureRequest):
    """In Qt tests, collect garbage on the UI thread only, as the studio does.

    Otherwise a worker thread may run the collector on leftover widgets of an earlier test and
    deadlock with the UI thread.
    """
    if "qtbot" not in request.fixturenames:
        yield
        return
    from app.gc_guard import UiThreadCollector

    request.getfixturevalue("qapp")
    collector = UiThreadCollector()
    yield
    collector.stop()
