"""A mock DashScope text-generation server on 127.0.0.1 for the generation tests.

The real `dashscope` SDK sends the requests; only the server is fake. It records every
request body and counts the requests it is handling at once.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Reply:
    status: int = 200
    body: dict | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # never respond


def prompt_of(body: dict) -> str:
    return body["input"]["messages"][-1]["content"]


def ok(index: int, body: dict) -> Reply:
    first_line = prompt_of(body).splitlines()[0]
    return Reply(200, {
        "request_id": f"req-{index}",
        "output": {"choices": [{"finish_reason": "stop", "message": {
            "role": "assistant", "content": f"Generated for: {first_line}"}}]},
        "usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15},
    })


def error(status: int, code: str, headers: dict[str, str] | None = None) -> Reply:
    body = {"request_id": "req-error", "code": code, "message": f"mock {code}"}
    return Reply(status, body, headers or {})


class MockDashScope:
    """A DashScope text-generation endpoint that responds with `responder(index, body)`."""

    def __init__(self, responder: Callable[[int, dict], Reply], delay_s: float = 0.0) -> None:
        self.responder = responder
        self.delay_s = delay_s
        self.lock = threading.Lock()
        self.bodies: list[dict] = []
        self.auth_headers: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.mock = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v1"

    def prompts(self) -> list[str]:
        with self.lock:
            return [prompt_of(body) for body in self.bodies]

    def reset(self) -> None:
        with self.lock:
            self.bodies.clear()
            self.auth_headers.clear()
            self.max_in_flight = 0

    def __enter__(self) -> MockDashScope:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:  # noqa: N802
        mock: MockDashScope = self.server.mock  # type: ignore[attr-defined]
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with mock.lock:
            index = len(mock.bodies)
            mock.bodies.append(body)
            mock.auth_headers.append(self.headers.get("Authorization", ""))
            mock.in_flight += 1
            mock.max_in_flight = max(mock.max_in_flight, mock.in_flight)
        time.sleep(mock.delay_s)
        reply = mock.responder(index, body)
        if reply.hang:
            mock.release.wait(30)
        with mock.lock:
            mock.in_flight -= 1
        if reply.hang:
            return
        payload = json.dumps(reply.body).encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


def isolate_network(monkeypatch: pytest.MonkeyPatch, api_key: str) -> None:
    """Bypass any proxy for 127.0.0.1 and set a fake API key for the test."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("DASHSCOPE_API_KEY", api_key)
