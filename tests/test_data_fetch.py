"""Import and download of MovieLens-100K, against a server the tests start on 127.0.0.1."""

from __future__ import annotations

import argparse
import hashlib
import http.server
import logging
import os
import shutil
import socket
import stat
import threading
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from ur4rec.cli.data import register
from ur4rec.data import fetch
from ur4rec.data.fetch import (
    ML100K_SHA256,
    ensure_dataset,
    fetch_dataset,
    import_dataset,
    sha256_file,
)
from ur4rec.data.movielens import read_ml100k
from ur4rec.errors import DataError

ML100K_FILES = ("u.data", "u.item", "u.user", "u.genre", "u.occupation")
SOURCE_ENV = "UR4REC_ML100K_SOURCE"


@pytest.fixture(autouse=True)
def local_network_only(monkeypatch):
    """Fail any request that is not aimed at 127.0.0.1, and clear the local-source variable."""
    monkeypatch.delenv(SOURCE_ENV, raising=False)
    real_urlopen = urllib.request.urlopen

    def guarded_urlopen(request, *args, **kwargs):
        url = request.full_url if isinstance(request, urllib.request.Request) else request
        host = urllib.parse.urlsplit(url).hostname
        assert host == "127.0.0.1", f"test tried to reach {url}"
        return real_urlopen(request, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", guarded_urlopen)


def build_zip(source: Path, path: Path, folder: str = "ml-100k/", extra: bool = True) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if folder:
            archive.writestr(folder, "")
        for name in ML100K_FILES:
            archive.write(source / name, folder + name)
        if extra:
            archive.writestr(folder + "README", "not verified, not copied\n")
    return path


@pytest.fixture
def ml100k_zip(tmp_path, ml100k_dir) -> Path:
    return build_zip(ml100k_dir, tmp_path / "ml-100k.zip")


class ArchiveServer:
    """An HTTP server on 127.0.0.1 that returns registered bytes, or 404 for other paths."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        files = self.files

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name is fixed by BaseHTTPRequestHandler)
                body = files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server():
    archive_server = ArchiveServer()
    yield archive_server
    archive_server.close()


def assert_only_target(dest: Path, *names: str) -> None:
    """No temporary files or folders may be left in `dest`."""
    assert sorted(p.name for p in dest.iterdir()) == sorted(names)


# --- the checksum table ---------------------------------------------------------------------


def test_shared_copy_is_pristine(ml100k_dir):
    digest = hashlib.md5((ml100k_dir / "u.data").read_bytes()).hexdigest()  # noqa: S324
    assert digest == "6e47046882bad158b0efbb84cd5cb987"


def test_checksum_table_matches_shared_copy(ml100k_dir):
    assert set(ML100K_SHA256) == set(ML100K_FILES)
    for name in ML100K_FILES:
        assert sha256_file(ml100k_dir / name) in ML100K_SHA256[name], name


# --- import ---------------------------------------------------------------------------------


def test_import_from_directory(tmp_path, ml100k_dir):
    dest = tmp_path / "data"
    target = import_dataset("ml-100k", ml100k_dir, dest)
    assert target == dest / "ml-100k"
    for name in ML100K_FILES:
        assert (target / name).read_bytes() == (ml100k_dir / name).read_bytes()
    assert read_ml100k(target).num_interactions == 100_000
    assert_only_target(dest, "ml-100k")


def test_import_folder_permissions_follow_umask(tmp_path, ml100k_dir):
    umask = os.umask(0)
    os.umask(umask)
    target = import_dataset("ml-100k", ml100k_dir, tmp_path / "data")
    assert stat.S_IMODE(target.stat().st_mode) == 0o777 & ~umask


def test_import_from_zip_with_folder(tmp_path, ml100k_zip):
    target = import_dataset("ml-100k", ml100k_zip, tmp_path / "data")
    assert sorted(p.name for p in target.iterdir()) == sorted(ML100K_FILES)
    assert_only_target(tmp_path / "data", "ml-100k")


def test_import_from_flat_zip(tmp_path, ml100k_dir):
    archive = build_zip(ml100k_dir, tmp_path / "flat.zip", folder="", extra=False)
    target = import_dataset("ml-100k", archive, tmp_path / "data")
    assert sha256_file(target / "u.item") == ML100K_SHA256["u.item"][0]


def test_import_replaces_existing_folder(tmp_path, ml100k_dir):
    dest = tmp_path / "data"
    (dest / "ml-100k").mkdir(parents=True)
    (dest / "ml-100k" / "stale.txt").write_text("old")
    target = import_dataset("ml-100k", ml100k_dir, dest)
    assert not (target / "stale.txt").exists()
    assert (target / "u.data").is_file()
    assert_only_target(dest, "ml-100k")


def test_import_checksum_mismatch(tmp_path, ml100k_dir):
    source = tmp_path / "source"
    shutil.copytree(ml100k_dir, source)
    (source / "u.data").chmod(0o644)
    damaged = bytearray((source / "u.data").read_bytes())
    damaged[100] = ord("7") if damaged[100] != ord("7") else ord("8")
    (source / "u.data").write_bytes(bytes(damaged))
    dest = tmp_path / "data"

    with pytest.raises(DataError) as caught:
        import_dataset("ml-100k", source, dest)
    message = str(caught.value)
    assert "u.data" in message
    assert ML100K_SHA256["u.data"][0] in message
    assert hashlib.sha256(bytes(damaged)).hexdigest() in message
    assert_only_target(dest)


def test_import_keeps_old_folder_on_failure(tmp_path, ml100k_dir):
    dest = tmp_path / "data"
    import_dataset("ml-100k", ml100k_dir, dest)
    source = tmp_path / "source"
    shutil.copytree(ml100k_dir, source)
    (source / "u.genre").chmod(0o644)
    (source / "u.genre").write_text("changed|0\n")
    with pytest.raises(DataError, match="u.genre"):
        import_dataset("ml-100k", source, dest)
    assert sha256_file(dest / "ml-100k" / "u.genre") == ML100K_SHA256["u.genre"][0]
    assert_only_target(dest, "ml-100k")


def test_import_missing_file(tmp_path, ml100k_dir):
    source = tmp_path / "source"
    source.mkdir()
    shutil.copy(ml100k_dir / "u.data", source / "u.data")
    with pytest.raises(DataError, match="missing file u.item"):
        import_dataset("ml-100k", source, tmp_path / "data")
    assert_only_target(tmp_path / "data")


def test_import_zip_missing_member(tmp_path, ml100k_dir):
    archive = tmp_path / "partial.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.write(ml100k_dir / "u.data", "ml-100k/u.data")
    with pytest.raises(DataError, match="no u.item"):
        import_dataset("ml-100k", archive, tmp_path / "data")


def test_import_truncated_zip(tmp_path, ml100k_zip):
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(ml100k_zip.read_bytes()[:-200])
    with pytest.raises(DataError):
        import_dataset("ml-100k", truncated, tmp_path / "data")
    assert_only_target(tmp_path / "data")


def test_import_source_not_found(tmp_path):
    with pytest.raises(DataError, match="not found"):
        import_dataset("ml-100k", tmp_path / "missing", tmp_path / "data")


def test_import_source_not_zip(tmp_path):
    source = tmp_path / "notes.txt"
    source.write_text("hello")
    with pytest.raises(DataError, match="neither a folder nor a .zip"):
        import_dataset("ml-100k", source, tmp_path / "data")


def test_import_unknown_dataset(tmp_path, ml100k_dir):
    with pytest.raises(DataError, match="unknown data set 'ml-20m'.*ml-100k"):
        import_dataset("ml-20m", ml100k_dir, tmp_path / "data")


# --- fetch ----------------------------------------------------------------------------------


def test_fetch_downloads_and_verifies(tmp_path, server, ml100k_zip):
    body = ml100k_zip.read_bytes()
    server.files["/ml-100k.zip"] = body
    calls: list[tuple[int, int]] = []
    dest = tmp_path / "data"

    target = fetch_dataset(
        "ml-100k", dest, url=server.url("/ml-100k.zip"),
        sha256=hashlib.sha256(body).hexdigest().upper(),
        progress=lambda received, total: calls.append((received, total)),
    )
    assert target == dest / "ml-100k"
    assert read_ml100k(target).num_users == 943
    assert calls[0] == (0, len(body))
    assert calls[-1] == (len(body), len(body))
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    assert_only_target(dest, "ml-100k")


def test_fetch_archive_sha256_mismatch(tmp_path, server, ml100k_zip):
    body = ml100k_zip.read_bytes()
    server.files["/ml-100k.zip"] = body
    wrong = "0" * 64
    with pytest.raises(DataError) as caught:
        fetch_dataset("ml-100k", tmp_path / "data", url=server.url("/ml-100k.zip"), sha256=wrong)
    assert wrong in str(caught.value)
    assert hashlib.sha256(body).hexdigest() in str(caught.value)
    assert_only_target(tmp_path / "data")


def test_fetch_member_checksum_mismatch(tmp_path, server, ml100k_dir):
    source = tmp_path / "source"
    shutil.copytree(ml100k_dir, source)
    (source / "u.item").chmod(0o644)
    (source / "u.item").write_bytes((ml100k_dir / "u.item").read_bytes().replace(b"Toy", b"Boy"))
    server.files["/bad.zip"] = build_zip(source, tmp_path / "bad.zip").read_bytes()
    with pytest.raises(DataError, match="SHA-256 mismatch for u.item"):
        fetch_dataset("ml-100k", tmp_path / "data", url=server.url("/bad.zip"))
    assert_only_target(tmp_path / "data")


def test_fetch_http_404(tmp_path, server):
    with pytest.raises(DataError, match="HTTP 404"):
        fetch_dataset("ml-100k", tmp_path / "data", url=server.url("/missing.zip"))
    assert_only_target(tmp_path / "data")


def test_fetch_times_out(tmp_path):
    # A listening socket that never sends a response.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/ml-100k.zip"
        started = time.monotonic()
        with pytest.raises(DataError, match="download failed"):
            fetch_dataset("ml-100k", tmp_path / "data", url=url, timeout=0.5)
        assert time.monotonic() - started < 10
    finally:
        silent.close()


def test_fetch_rejects_non_http_url(tmp_path, ml100k_zip):
    with pytest.raises(DataError, match="only http"):
        fetch_dataset("ml-100k", tmp_path / "data", url=ml100k_zip.as_uri())


def test_fetch_rejects_malformed_sha256(tmp_path, server):
    with pytest.raises(DataError, match="64 hex digits"):
        fetch_dataset("ml-100k", tmp_path / "data", url=server.url("/x.zip"), sha256="abc")


def test_fetch_imports_from_env_source(tmp_path, monkeypatch, ml100k_zip, caplog):
    def no_download(*args, **kwargs):
        raise AssertionError("fetch_dataset downloaded although the source variable is set")

    monkeypatch.setattr(fetch, "_download", no_download)
    monkeypatch.setenv(SOURCE_ENV, str(ml100k_zip))
    with caplog.at_level(logging.INFO, logger="ur4rec.data.fetch"):
        target = fetch_dataset("ml-100k", tmp_path / "data")
    assert (target / "u.data").is_file()
    assert any(SOURCE_ENV in r.getMessage() for r in caplog.records)


def test_ensure_dataset_uses_existing_folder(tmp_path, monkeypatch, ml100k_dir):
    monkeypatch.setattr(fetch, "fetch_dataset", lambda *a, **k: pytest.fail("fetched"))
    data_dir = tmp_path / "data"
    shutil.copytree(ml100k_dir, data_dir / "ml-100k")
    assert ensure_dataset("ml-100k", data_dir) == data_dir / "ml-100k"
    # A folder that contains the files directly is accepted too.
    assert ensure_dataset("ml-100k", ml100k_dir) == ml100k_dir


def test_ensure_dataset_fetches_when_missing(tmp_path, monkeypatch, ml100k_dir):
    monkeypatch.setenv(SOURCE_ENV, str(ml100k_dir))
    target = ensure_dataset("ml-100k", tmp_path / "data")
    assert target == tmp_path / "data" / "ml-100k"
    assert read_ml100k(target).num_items == 1682


def test_ensure_dataset_offline_error(tmp_path, monkeypatch):
    # Without a local source, fetching fails with a message that names the offline way.
    def fail_download(*args, **kwargs):
        raise DataError("url", "download failed")

    monkeypatch.setattr(fetch, "_download", fail_download)
    with pytest.raises(DataError, match="download failed"):
        ensure_dataset("ml-100k", tmp_path / "data")
    assert_only_target(tmp_path / "data")


# --- command line ---------------------------------------------------------------------------


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ur4rec")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_import(tmp_path, ml100k_zip, capsys):
    dest = tmp_path / "data"
    argv = ["data", "import", "ml-100k", "--source", str(ml100k_zip), "--dest", str(dest)]
    assert run_cli(argv) == 0
    assert str(dest / "ml-100k") in capsys.readouterr().out
    assert (dest / "ml-100k" / "u.item").is_file()


def test_cli_fetch(tmp_path, server, ml100k_zip, capsys):
    server.files["/ml-100k.zip"] = ml100k_zip.read_bytes()
    dest = tmp_path / "data"
    argv = ["data", "fetch", "ml-100k", "--dest", str(dest), "--url", server.url("/ml-100k.zip")]
    assert run_cli(argv) == 0
    assert "fetched ml-100k" in capsys.readouterr().out
    assert_only_target(dest, "ml-100k")


def test_cli_default_dest(monkeypatch, tmp_path, ml100k_dir):
    monkeypatch.chdir(tmp_path)
    assert run_cli(["data", "import", "ml-100k", "--source", str(ml100k_dir)]) == 0
    assert (tmp_path / "data" / "ml-100k" / "u.data").is_file()


def test_cli_import_unknown_name():
    with pytest.raises(SystemExit):
        run_cli(["data", "import", "ml-20m", "--source", "x"])
