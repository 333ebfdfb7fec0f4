"""`ur4rec texts audit` and `ur4rec texts export` through the real command line entry point."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from ur4rec.cli import main as cli_main

SHARE_LINE = re.compile(
    r"^(\d+) of (\d+) user texts \((\d+\.\d)%\) name the user's validation or test item$"
)


def test_audit_prints_leak_share(ml100k_dir: Path, texts_dir: Path, capsys) -> None:
    code = cli_main(["texts", "audit", "--data", str(ml100k_dir), "--texts", str(texts_dir)])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert len(lines) == 1
    match = SHARE_LINE.match(lines[0])
    assert match is not None, lines[0]
    leaking, checked, percent = int(match[1]), int(match[2]), float(match[3])
    assert checked == 938
    assert percent == pytest.approx(100 * leaking / checked, abs=0.05)
    assert 25.0 <= percent <= 32.0


def test_audit_finds_movielens_subfolder(ml100k_dir: Path, texts_dir: Path, tmp_path: Path,
                                         capsys) -> None:
    # `ur4rec data fetch ml-100k --dest data` writes data/ml-100k/; --data data must work too.
    shutil.copytree(ml100k_dir, tmp_path / "ml-100k")
    code = cli_main(["texts", "audit", "--data", str(tmp_path), "--texts", str(texts_dir)])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert SHARE_LINE.match(lines[0]) is not None, lines[0]


def test_audit_verbose_lists_each_leak(ml100k_dir: Path, texts_dir: Path, capsys) -> None:
    code = cli_main(["texts", "audit", "--data", str(ml100k_dir), "--texts", str(texts_dir),
                     "--verbose"])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    leak_lines = [line for line in lines if line.startswith("user ")]
    assert len(leak_lines) >= int(SHARE_LINE.match(lines[-1])[1])
    assert all(" names held-out item " in line for line in leak_lines)


def test_audit_without_user_texts_fails(ml100k_dir: Path, tmp_path: Path, capsys) -> None:
    code = cli_main(["texts", "audit", "--data", str(ml100k_dir), "--texts", str(tmp_path)])

    err = capsys.readouterr().err
    assert code == 2
    assert "user_preferences.json: file not found" in err


def test_offline_generate_then_export(ml100k_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    generate = ["texts", "generate", "--kind", "users", "--data", str(ml100k_dir),
                "--out", str(out), "--backend", "offline", "--limit", "12"]
    assert cli_main(generate) == 0
    assert "users: 12 generated, 0 already cached" in capsys.readouterr().out

    dest = tmp_path / "copy.json"
    code = cli_main(["texts", "export", "--out", str(out), "--kind", "users",
                     "--model", "offline-template", "--dest", str(dest)])

    assert code == 0
    assert f"wrote 12 user texts to {dest}" in capsys.readouterr().out
    assert json.loads(dest.read_text(encoding="utf-8")) == json.loads(
        (out / "user_preferences.json").read_text(encoding="utf-8"))

    # Offline texts cost nothing, so a second run without --resume continues the cache.
    assert cli_main([*generate[:-1], "15"]) == 0
    assert "users: 3 generated, 12 already cached" in capsys.readouterr().out


def test_export_to_a_folder_is_rejected(ml100k_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    assert cli_main(["texts", "generate", "--kind", "items", "--data", str(ml100k_dir),
                     "--out", str(out), "--backend", "offline", "--limit", "2"]) == 0
    capsys.readouterr()

    code = cli_main(["texts", "export", "--out", str(out), "--kind", "items",
                     "--model", "offline-template", "--dest", str(tmp_path)])

    err = capsys.readouterr().err
    assert code == 2
    assert f"{tmp_path}: is a folder; --dest must name a JSON file" in err


def test_export_unknown_model_lists_available(ml100k_dir: Path, tmp_path: Path, capsys) -> None:
    assert cli_main(["texts", "generate", "--kind", "items", "--data", str(ml100k_dir),
                     "--out", str(tmp_path), "--backend", "offline", "--limit", "2"]) == 0

    capsys.readouterr()
    code = cli_main(["texts", "export", "--out", str(tmp_path), "--kind", "items",
                     "--model", "qwen-plus"])

    err = capsys.readouterr().err
    assert code == 2
    assert "no item texts for model 'qwen-plus'" in err
    assert "--model offline-template" in err


def test_export_picks_the_only_model(ml100k_dir: Path, tmp_path: Path, capsys) -> None:
    assert cli_main(["texts", "generate", "--kind", "items", "--data", str(ml100k_dir),
                     "--out", str(tmp_path), "--backend", "offline", "--limit", "2"]) == 0
    capsys.readouterr()
    dest = tmp_path / "copy.json"

    code = cli_main(["texts", "export", "--out", str(tmp_path), "--kind", "items",
                     "--dest", str(dest)])

    assert code == 0
    assert f"wrote 2 item texts to {dest}" in capsys.readouterr().out


def test_generate_without_key_names_the_fix(ml100k_dir: Path, tmp_path: Path, capsys,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASHSCOPE_API_KEY", raising=False)

    code = cli_main(["texts", "generate", "--kind", "items", "--data", str(ml100k_dir),
                     "--out", str(tmp_path)])

    err = capsys.readouterr().err
    assert code == 2
    assert "set the DASHSCOPE_API_KEY environment variable" in err
    assert "--backend offline" in err
