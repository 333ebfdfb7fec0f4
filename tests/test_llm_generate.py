"""Text generation against a mock DashScope server on 127.0.0.1 (started by each test).

The real `dashscope` SDK sends the requests; only the server is fake. It records every
request body and counts the requests it is handling at once.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.mock_dashscope import MockDashScope, Reply, error, isolate_network, ok, prompt_of
from ur4rec.cli import main as cli_main
from ur4rec.data.movielens import read_ml100k
from ur4rec.data.split import leave_one_out
from ur4rec.errors import LLMError
from ur4rec.llm.api_key import RedactingFilter, mask_key
from ur4rec.llm.cache import CACHE_FILE, TextCache
from ur4rec.llm.dashscope_client import (
    DEFAULT_TIMEOUT_S,
    QuotaExhaustedError,
    resolve_timeout,
    retry_after_seconds,
)
from ur4rec.llm.generate import generate_texts
from ur4rec.llm.prompts import build_item_prompt, load_template
from ur4rec.llm.templates import item_template

REPO_ROOT = Path(__file__).resolve().parents[1]
FAKE_KEY = "sk-test-secret-1234567890"
TEMPLATE_HASH = load_template("items").hash


@pytest.fixture(autouse=True)
def local_only_network(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_network(monkeypatch, FAKE_KEY)


@pytest.fixture(scope="module")
def ml100k(ml100k_dir: Path):
    data = read_ml100k(ml100k_dir)
    return data, leave_one_out(data)


def generate_items(ml100k, server: MockDashScope, out: Path, **overrides):
    data, split = ml100k
    options = dict(model="qwen-plus", max_concurrency=2, limit=5, backend="dashscope",
                   timeout_s=10, base_url=server.base_url, backoff_base_s=0.01)
    options.update(overrides)
    return generate_texts("items", data, split, out, **options)


def cached(out: Path, model: str = "qwen-plus") -> dict[str, tuple[str, str]]:
    with TextCache(out / CACHE_FILE) as cache:
        return {e.raw_id: (e.status, e.text) for e in cache.entries("items", TEMPLATE_HASH, model)}


def exported(out: Path) -> dict[str, str]:
    return json.loads((out / "item_descriptions.json").read_text(encoding="utf-8"))


def test_concurrency_never_exceeds_limit(ml100k, tmp_path: Path) -> None:
    data, _ = ml100k
    with MockDashScope(ok, delay_s=0.05) as server:
        summary = generate_items(ml100k, server, tmp_path, limit=50, max_concurrency=4)

    assert summary.done == 50
    assert len(server.bodies) == 50
    assert server.max_in_flight <= 4
    assert server.max_in_flight >= 2
    assert set(server.auth_headers) == {f"Bearer {FAKE_KEY}"}
    assert {body["model"] for body in server.bodies} == {"qwen-plus"}
    assert summary.tokens == 50 * 15
    texts = exported(tmp_path)
    assert len(texts) == 50
    assert texts["1"] == "Generated for: " + build_item_prompt(data, 1).splitlines()[0]


def test_throttling_honours_retry_after(ml100k, tmp_path: Path) -> None:
    def responder(index: int, body: dict) -> Reply:
        if index < 3:
            return error(429, "Throttling.RateQuota", {"Retry-After": "1"})
        return ok(index, body)

    with MockDashScope(responder) as server:
        start = time.monotonic()
        summary = generate_items(ml100k, server, tmp_path, limit=3, max_concurrency=1)
        elapsed = time.monotonic() - start

    assert summary.done == 3
    assert summary.failed == 0
    assert len(server.bodies) == 6
    assert 3.0 <= elapsed < 10.0
    assert {status for status, _ in cached(tmp_path).values()} == {"ok"}


@pytest.mark.parametrize(("status", "code"), [(429, "Throttling.AllocationQuota"),
                                              (400, "Arrearage")])
def test_quota_stops_run_and_keeps_texts(ml100k, tmp_path: Path, status: int, code: str) -> None:
    def responder(index: int, body: dict) -> Reply:
        return ok(index, body) if index < 5 else error(status, code)

    with MockDashScope(responder, delay_s=0.02) as server:
        with pytest.raises(QuotaExhaustedError) as info:
            generate_items(ml100k, server, tmp_path, limit=30, max_concurrency=2)

    summary = info.value.summary
    assert "--resume" in str(info.value)
    assert summary.done == 5
    assert summary.stopped
    assert len(server.bodies) <= 5 + 2
    assert len(cached(tmp_path)) == 5
    assert len(exported(tmp_path)) == 5


def test_quota_exit_code_from_cli(ml100k_dir: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    with MockDashScope(lambda index, body: error(400, "Arrearage")) as server:
        monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", server.base_url)
        code = cli_main(["texts", "generate", "--kind", "items", "--data", str(ml100k_dir),
                         "--out", str(tmp_path), "--limit", "3", "--max-concurrency", "1"])

    assert code == 3
    assert "quota exhausted (Arrearage" in capsys.readouterr().err


def test_moderated_item_tried_once_and_isolated(ml100k, tmp_path: Path) -> None:
    data, _ = ml100k
    blocked = data.item_index("3")  # Four Rooms (1995)

    def responder(index: int, body: dict) -> Reply:
        if "Four Rooms" in prompt_of(body):
            return error(400, "DataInspectionFailed")
        return ok(index, body)

    with MockDashScope(responder) as server:
        summary = generate_items(ml100k, server, tmp_path, limit=6, max_concurrency=1)

    assert summary.moderated == 1
    assert summary.done == 5
    assert sum("Four Rooms" in prompt for prompt in server.prompts()) == 1
    # Every request is a fresh one-message conversation with exactly its own prompt.
    expected = [[{"role": "user", "content": build_item_prompt(data, item)}]
                for item in range(1, 7)]
    assert [body["input"]["messages"] for body in server.bodies] == expected
    template_text = item_template(data.items[blocked])
    assert cached(tmp_path)["3"] == ("failed_moderation", template_text)
    assert exported(tmp_path)["3"] == template_text


def test_unanswered_request_times_out(ml100k, tmp_path: Path) -> None:
    with MockDashScope(lambda index, body: Reply(hang=True)) as server:
        start = time.monotonic()
        summary = generate_items(ml100k, server, tmp_path, limit=1, timeout_s=2,
                                 max_retries=1)
        elapsed = time.monotonic() - start

    assert summary.failed == 1
    assert len(server.bodies) == 2
    assert 3.9 <= elapsed < 7.0
    assert cached(tmp_path)["1"][0] == "failed_timeout"
    assert exported(tmp_path) == {}


def test_timeout_default_is_finite() -> None:
    assert resolve_timeout(None) == DEFAULT_TIMEOUT_S
    assert resolve_timeout(2) == 2.0
    for bad in (float("inf"), 0, -1, float("nan")):
        with pytest.raises(LLMError, match="finite number of seconds"):
            resolve_timeout(bad)


def test_retry_after_header_forms() -> None:
    assert retry_after_seconds({"retry-after": "2"}) == 2.0
    assert retry_after_seconds({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_stop_event_and_resume(ml100k, tmp_path: Path) -> None:
    stop = threading.Event()

    def progress(finished: int, pending: int, summary) -> None:
        assert summary.done + summary.failed + summary.moderated == finished
        if finished >= 5:
            stop.set()

    with MockDashScope(ok, delay_s=0.02) as server:
        first = generate_items(ml100k, server, tmp_path, limit=30, progress=progress,
                               stop_event=stop)
        requested_first = set(server.prompts())
        server.reset()
        second = generate_items(ml100k, server, tmp_path, limit=30, resume=True)

    assert first.stopped
    assert 5 <= first.done <= 7
    assert len(exported(tmp_path)) == 30
    assert second.cached == first.done
    assert second.done == 30 - first.done
    assert requested_first.isdisjoint(server.prompts())


def test_changed_model_requests_again(ml100k, tmp_path: Path) -> None:
    with MockDashScope(ok) as server:
        generate_items(ml100k, server, tmp_path, limit=3)
        with pytest.raises(LLMError, match="pass --resume"):
            generate_items(ml100k, server, tmp_path, limit=3)
        server.reset()
        generate_items(ml100k, server, tmp_path, limit=3, resume=True)
        assert server.bodies == []
        generate_items(ml100k, server, tmp_path, limit=3, resume=True, model="qwen-max")
        assert len(server.bodies) == 3

    assert len(cached(tmp_path, "qwen-max")) == 3


def test_missing_key_names_the_fix(ml100k, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASHSCOPE_API_KEY")
    data, split = ml100k

    with pytest.raises(LLMError) as info:
        generate_texts("items", data, split, tmp_path, backend="dashscope")

    assert "DASHSCOPE_API_KEY" in str(info.value)
    assert "--backend offline" in str(info.value)
    assert not (tmp_path / CACHE_FILE).exists()


def test_offline_backend_writes_templates(ml100k, tmp_path: Path) -> None:
    data, split = ml100k

    summary = generate_texts("users", data, split, tmp_path, backend="offline", limit=10)

    texts = json.loads((tmp_path / "user_preferences.json").read_text(encoding="utf-8"))
    assert summary.done == 10
    assert list(texts) == [data.user_raw_ids[u] for u in range(1, 11)]
    assert all(text.startswith("Interacted with") for text in texts.values())


def test_key_is_masked_and_redacted() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "key %s used", (FAKE_KEY,), None)

    RedactingFilter(FAKE_KEY).filter(record)

    assert mask_key(FAKE_KEY) == "sk-…7890"
    assert FAKE_KEY not in record.getMessage()


def files_containing(root: Path, secret: str) -> list[Path]:
    needle = secret.encode("utf-8")
    return [path for path in root.rglob("*") if path.is_file() and needle in path.read_bytes()]


def failing_then_ok(index: int, body: dict) -> Reply:
    replies = [
        error(500, "InternalError"),
        error(429, "Throttling.RateQuota", {"Retry-After": "0"}),
        error(400, "DataInspectionFailed"),
        Reply(hang=True),
        error(401, "InvalidApiKey"),
    ]
    return replies[index] if index < len(replies) else ok(index, body)


def test_library_never_logs_key(ml100k, tmp_path: Path, caplog, capfd,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASHSCOPE_API_KEY")  # the key is passed as an argument instead
    caplog.set_level(logging.DEBUG)  # includes the SDK's own debug messages

    with MockDashScope(failing_then_ok) as server:
        with pytest.raises(LLMError) as info:
            generate_items(ml100k, server, tmp_path, limit=4, max_concurrency=1,
                           api_key=FAKE_KEY, timeout_s=1, max_retries=1)

    captured = capfd.readouterr()
    assert f"Bearer {FAKE_KEY}" in server.auth_headers  # the key was really sent
    assert "Request body" in caplog.text  # the SDK's debug messages were captured
    assert "timed out" in caplog.text
    assert FAKE_KEY not in str(info.value)
    assert FAKE_KEY not in caplog.text
    assert FAKE_KEY not in captured.out
    assert FAKE_KEY not in captured.err
    assert files_containing(tmp_path, FAKE_KEY) == []


def test_cli_never_logs_key(ml100k_dir: Path, tmp_path: Path, caplog, capfd,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG)
    out = tmp_path / "out"

    with MockDashScope(failing_then_ok) as server:
        monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", server.base_url)
        argv = ["-v", "texts", "generate", "--kind", "items", "--data", str(ml100k_dir),
                "--out", str(out), "--limit", "4", "--max-concurrency", "1", "--timeout", "1"]
        first = cli_main(argv)  # the InvalidApiKey response stops the run
        second = cli_main([*argv, "--resume"])

    captured = capfd.readouterr()
    assert first == 2
    assert second == 0
    assert f"Bearer {FAKE_KEY}" in server.auth_headers
    assert FAKE_KEY not in caplog.text
    assert FAKE_KEY not in captured.out
    assert FAKE_KEY not in captured.err
    assert files_containing(tmp_path, FAKE_KEY) == []
    assert len(exported(out)) == 4


def count_rows(path: Path) -> int:
    try:
        with sqlite3.connect(path, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM texts WHERE status = 'ok'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # the child has not created the table yet


def test_kill_and_resume_requests_only_missing(ml100k, ml100k_dir: Path, tmp_path: Path) -> None:
    data, _ = ml100k
    out = tmp_path / "out"
    total = 40
    with MockDashScope(ok, delay_s=0.1) as server:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "DASHSCOPE_API_KEY": FAKE_KEY,
               "DASHSCOPE_HTTP_BASE_URL": server.base_url, "NO_PROXY": "127.0.0.1,localhost"}
        command = [sys.executable, "-m", "ur4rec.cli", "texts", "generate", "--kind", "items",
                   "--data", str(ml100k_dir), "--out", str(out), "--limit", str(total),
                   "--max-concurrency", "2", "--timeout", "10"]
        with open(tmp_path / "first.log", "wb") as log:
            child = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 60
            while count_rows(out / CACHE_FILE) < 8 and time.monotonic() < deadline:
                assert child.poll() is None, (tmp_path / "first.log").read_text()
                time.sleep(0.02)
            child.send_signal(signal.SIGKILL)
            child.wait(10)

        done_before = cached(out)
        server.reset()
        resumed = subprocess.run([*command, "--resume"], env=env, capture_output=True,
                                 timeout=120)

    assert resumed.returncode == 0, resumed.stderr.decode()
    assert 8 <= len(done_before) < total
    missing = [item for item in range(1, total + 1)
               if data.item_raw_ids[item] not in done_before]
    assert sorted(server.prompts()) == sorted(build_item_prompt(data, i) for i in missing)
    assert len(exported(out)) == total
    assert FAKE_KEY.encode() not in resumed.stdout + resumed.stderr
    assert files_containing(tmp_path, FAKE_KEY) == []
