"""Bad input through the real CLI: one clear line on stderr, exit code 2 and no traceback.

Every case damages a copy of the real MovieLens-100K files, the real LLM texts, a config or
the `tiny_run` run directory, then runs `ur4rec` on it: in-process through `ur4rec.cli.main`,
or, for the cases marked `subprocess`, as `python -m ur4rec.cli` so that the exit code and
stderr are the ones a shell gets. Input that is only suspicious (duplicate rows, texts for
unknown ids, empty texts, either text encoding of u.item) exits with 0 and logs a warning.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import torch

from tests.helpers import REPO_ROOT, SHARED_EMBEDDING_CACHE, TINY_OVERRIDES
from ur4rec.cli import main

# Line 17 of u.data is replaced in the line-level cases, so every message must name it.
BAD_LINE = 17
GOOD_U_DATA_LINE = "196\t242\t3\t881250949"
SECRET = "sk-test-do-not-echo-0000"

# Bad data, texts or config stop `ur4rec train` before any training work, so the error comes fast.
MAX_SECONDS_BEFORE_INPUT_ERROR = 60.0


@dataclass
class Inputs:
    """The real inputs and a scratch folder; `run_dir()` copies the trained tiny run lazily."""

    tmp: Path
    ml100k: Path
    texts: Path
    request: pytest.FixtureRequest
    env: dict[str, str] = field(default_factory=dict)

    def run_dir(self) -> Path:
        source = self.request.getfixturevalue("tiny_run")
        target = self.tmp / "run"
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("tensorboard"))
        return target


@dataclass(frozen=True)
class Case:
    """One bad input: `build` damages a copy and returns the CLI arguments."""

    id: str
    build: Callable[[Inputs], list[str]]
    expected: tuple[str, ...]  # fragments of the error line, or of the warning when exit_code is 0
    exit_code: int = 2
    absent: tuple[str, ...] = ()  # fragments that must not reach the user
    subprocess: bool = False


# -- builders of damaged data ------------------------------------------------------------------


def copy_ml100k(inputs: Inputs) -> Path:
    target = inputs.tmp / "ml-100k"
    shutil.copytree(inputs.ml100k, target)
    return target


def edit_lines(path: Path, edit: Callable[[list[str]], list[str]]) -> None:
    # latin-1 maps every byte to one character, so untouched lines keep their bytes.
    lines = path.read_bytes().decode("latin-1").split("\n")
    path.write_bytes("\n".join(edit(lines)).encode("latin-1"))


def replace_line(number: int, text: str) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        assert lines[number - 1] != text
        lines[number - 1] = text
        return lines

    return edit


def damaged_data(edit: Callable[[Path], None]) -> Callable[[Inputs], Path]:
    def build(inputs: Inputs) -> Path:
        folder = copy_ml100k(inputs)
        edit(folder)
        # If u.data or u.item is missing, `train` imports from here instead of downloading.
        inputs.env["UR4REC_ML100K_SOURCE"] = str(folder)
        return folder

    return build


def u_data_line(text: str) -> Callable[[Inputs], Path]:
    return damaged_data(lambda folder: edit_lines(folder / "u.data", replace_line(BAD_LINE, text)))


def drop_rating_column(folder: Path) -> None:
    def edit(lines: list[str]) -> list[str]:
        rows = [line.split("\t") for line in lines]
        return ["\t".join(row[:2] + row[3:]) if row != [""] else "" for row in rows]

    edit_lines(folder / "u.data", edit)


def reencode_u_item(encoding: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / "u.item"
        path.write_bytes(path.read_bytes().decode("latin-1").encode(encoding))

    return edit


def append_first_line_again(folder: Path) -> None:
    path = folder / "u.data"
    first = path.read_text(encoding="latin-1").split("\n")[0]
    with path.open("a", encoding="latin-1") as stream:
        stream.write(first + "\n")


def info(make_data: Callable[[Inputs], Path]) -> Callable[[Inputs], list[str]]:
    return lambda inputs: ["data", "info", "--kind", "ml-100k", "--path", str(make_data(inputs))]


def train_on(make_data: Callable[[Inputs], Path]) -> Callable[[Inputs], list[str]]:
    return lambda inputs: train_args(inputs, "--data", str(make_data(inputs)),
                                     "--texts", str(inputs.texts))


def train_args(inputs: Inputs, *extra: str, config: Path | None = None) -> list[str]:
    """`ur4rec train` with the quick config shrunk to test size."""
    overrides = [*TINY_OVERRIDES, f"text.cache_dir={SHARED_EMBEDDING_CACHE}"]
    args = ["train", "--config", str(config or REPO_ROOT / "configs" / "quick.yaml"),
            "--output", str(inputs.tmp / "out"), "--no-progress"]
    for override in overrides:
        args += ["--set", override]
    return args + list(extra)


# -- builders of damaged configs and texts -----------------------------------------------------


def train_config(text: str, *extra: str) -> Callable[[Inputs], list[str]]:
    def build(inputs: Inputs) -> list[str]:
        path = inputs.tmp / "bad.yaml"
        path.write_text(text, encoding="utf-8")
        return ["train", "--config", str(path), "--output", str(inputs.tmp / "out"),
                "--no-progress", "--data", str(inputs.ml100k), *extra]

    return build


def damaged_texts(kind_file: str, write: Callable[[Path, dict], None]) -> Callable[[Inputs], Path]:
    def build(inputs: Inputs) -> Path:
        folder = inputs.tmp / "texts"
        shutil.copytree(inputs.texts, folder)
        path = folder / kind_file
        write(path, json.loads(path.read_text(encoding="utf-8")))
        return folder

    return build


def set_value(raw_id: str, value: object) -> Callable[[Path, dict], None]:
    def write(path: Path, texts: dict) -> None:
        texts[raw_id] = value
        path.write_text(json.dumps(texts, indent=2, ensure_ascii=False), encoding="utf-8")

    return write


def replace_all(texts_by_id: dict[str, str]) -> Callable[[Path, dict], None]:
    def write(path: Path, texts: dict) -> None:
        path.write_text(json.dumps(texts_by_id), encoding="utf-8")

    return write


def break_json_at_line_3(path: Path, texts: dict) -> None:
    lines = json.dumps(texts, indent=2).split("\n")
    lines[2] = '  "' + list(texts)[1] + '": oops,'
    path.write_text("\n".join(lines), encoding="utf-8")


def duplicate_first_id(path: Path, texts: dict) -> None:
    first = next(iter(texts))
    body = json.dumps(texts, indent=2)
    path.write_text(body[:-2] + f',\n  "{first}": "again"\n}}', encoding="utf-8")


def latin1_texts(path: Path, texts: dict) -> None:
    path.write_bytes(json.dumps({"1": "Un caf\u00e9 noir"}, ensure_ascii=False).encode("latin-1"))


def train_with_texts(make_texts: Callable[[Inputs], Path]) -> Callable[[Inputs], list[str]]:
    return lambda inputs: train_args(inputs, "--data", str(inputs.ml100k),
                                     "--texts", str(make_texts(inputs)))


def audit(make_texts: Callable[[Inputs], Path]) -> Callable[[Inputs], list[str]]:
    return lambda inputs: ["texts", "audit", "--data", str(inputs.ml100k),
                           "--texts", str(make_texts(inputs))]


# -- builders of damaged run directories -------------------------------------------------------


def damaged_run(edit: Callable[[Path], None]) -> Callable[[Inputs], Path]:
    def build(inputs: Inputs) -> Path:
        run = inputs.run_dir()
        edit(run)
        return run

    return build


def set_state_format(run: Path) -> None:
    state = json.loads((run / "state.json").read_text())
    state["format"] = 99
    (run / "state.json").write_text(json.dumps(state))


def edit_best_checkpoint(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def apply(run: Path) -> None:
        path = run / "checkpoints" / "end_to_end" / "best.pt"
        payload = torch.load(path, weights_only=True)
        edit(payload)
        torch.save(payload, path)

    return apply


def set_checkpoint_version(payload: dict) -> None:
    payload["version"] = 0


def drop_memory_weights(payload: dict) -> None:
    payload["model"] = {k: v for k, v in payload["model"].items() if not k.startswith("memory.")}


def truncate_best_checkpoint(run: Path) -> None:
    path = run / "checkpoints" / "end_to_end" / "best.pt"
    path.write_bytes(path.read_bytes()[:1000])


def add_config_key(run: Path) -> None:
    with (run / "config.yaml").open("a", encoding="utf-8") as stream:
        stream.write("warmup_epochs: 3\n")


def evaluate(make_run: Callable[[Inputs], Path]) -> Callable[[Inputs], list[str]]:
    return lambda inputs: ["evaluate", "--run", str(make_run(inputs))]


def recommend(make_run: Callable[[Inputs], Path], user: str = "1") -> Callable[[Inputs], list[str]]:
    return lambda inputs: ["recommend", "--run", str(make_run(inputs)), "--user", user]


def resume(make_run: Callable[[Inputs], Path]) -> Callable[[Inputs], list[str]]:
    def build(inputs: Inputs) -> list[str]:
        run = make_run(inputs)
        return ["train", "--config", str(run / "config.yaml"), "--output", str(run), "--resume",
                "--no-progress"]

    return build


def tiny_run(inputs: Inputs) -> Path:
    return inputs.request.getfixturevalue("tiny_run")


def no_run(inputs: Inputs) -> Path:
    folder = inputs.tmp / "not-a-run"
    folder.mkdir()
    return folder


# -- the table ---------------------------------------------------------------------------------

LINE = f"u.data:{BAD_LINE}: "

DATA_ERRORS = [
    ("short-line", u_data_line("196\t242\t3"),
     (LINE, "3 tab-separated fields", "4 are expected", "fix or delete the line")),
    ("non-numeric-user", u_data_line("abc\t242\t3\t881250949"),
     (LINE, "user id 'abc' is not a number", "integer >= 0")),
    ("non-numeric-item", u_data_line("196\tx42\t3\t881250949"),
     (LINE, "item id 'x42' is not a number")),
    ("negative-timestamp", u_data_line("196\t242\t3\t-881250949"),
     (LINE, "timestamp '-881250949' is negative", "integer >= 0")),
    ("fractional-timestamp", u_data_line("196\t242\t3\t881250949.5"),
     (LINE, "timestamp '881250949.5' is not an integer", "whole number")),
    ("empty-rating", u_data_line("196\t242\t\t881250949"),
     (LINE, "the rating is empty", "every line needs a rating")),
    ("no-rating-column", damaged_data(drop_rating_column),
     ("u.data:1: ", "3 tab-separated fields", "user id, item id, rating, timestamp")),
    ("empty-file", damaged_data(lambda folder: (folder / "u.data").write_bytes(b"")),
     ("u.data: ", "the file is empty")),
    ("no-u-data", damaged_data(lambda folder: (folder / "u.data").unlink()),
     ("u.data: ", "missing file u.data")),
    ("item-not-in-u-item", u_data_line("196\t1683\t3\t881250949"),
     (LINE, "item 1683 is not listed in u.item", "use the u.item that belongs to this u.data")),
]

CONFIG_ERRORS = [
    ("unknown-key", "sasrec:\n  hiden_dim: 32\n",
     ("bad.yaml: sasrec.hiden_dim: unknown key", "hidden_dim, num_blocks")),
    ("wrong-type", "training:\n  batch_size: big\n",
     ("bad.yaml: training.batch_size: expected an integer", "'big'")),
    ("out-of-range", "sasrec:\n  dropout: 1.5\n",
     ("bad.yaml: sasrec.dropout: 1.5 is above the maximum 0.9",)),
    ("not-finite", "fusion:\n  sasrec_weight: .nan\n",
     ("bad.yaml: fusion.sasrec_weight: expected a finite number", "nan")),
    ("unknown-stage", "training:\n  stages: [pretrain_sasrec, warmup]\n",
     ("bad.yaml: training.stages[1]: unknown stage 'warmup'", "pretrain_retriever")),
    ("unknown-fusion", "fusion_method: mean\n",
     ("bad.yaml: fusion_method: invalid value 'mean'", "weighted, learned, adaptive")),
    ("unknown-trigger", "memory:\n  update_trigger: SOMETIMES\n",
     ("bad.yaml: memory.update_trigger: invalid value 'SOMETIMES'", "DRIFT_THRESHOLD")),
    ("empty-stages", "training:\n  stages: []\n",
     ("bad.yaml: training.stages: the stage list is empty", "end_to_end")),
    ("yaml-syntax", "training:\n  seed: 1\n   stages: [pretrain_sasrec\n",
     ("bad.yaml: YAML syntax error at line 3",)),
    ("seed-too-large", "training:\n  seed: 5000000000\n",
     ("bad.yaml: training.seed: 5000000000 is above the maximum",)),
]

CASES: list[Case] = [
    *(Case(f"data-info-{name}", info(make), expected) for name, make, expected in DATA_ERRORS),
    *(Case(f"train-data-{name}", train_on(make), expected) for name, make, expected in DATA_ERRORS),
    Case("subprocess-data-info-non-numeric-user", info(u_data_line("abc\t242\t3\t881250949")),
         (LINE, "user id 'abc' is not a number"), subprocess=True),
    Case("data-info-u-item-utf8", info(damaged_data(reencode_u_item("utf-8"))),
         ("u.item as UTF-8",), exit_code=0),
    Case("data-info-u-item-latin1", info(damaged_data(reencode_u_item("latin-1"))),
         ("u.item as latin-1",), exit_code=0),
    Case("data-info-duplicate-rows", info(damaged_data(append_first_line_again)),
         ("dropped 1 duplicate (user, item, timestamp) rows", "line 100001"), exit_code=0),

    *(Case(f"config-{name}", train_config(text), expected)
      for name, text, expected in CONFIG_ERRORS),
    Case("subprocess-config-unknown-key", train_config("sasrec:\n  hiden_dim: 32\n"),
         ("bad.yaml: sasrec.hiden_dim: unknown key",), subprocess=True),
    Case("config-api-key", train_config(f"dashscope_api_key: {SECRET}\n"),
         ("bad.yaml: dashscope_api_key: API keys must not be stored in a config file",
          "DASHSCOPE_API_KEY environment variable", "studio's settings"), absent=(SECRET,)),
    Case("subprocess-config-api-key", train_config(f"text:\n  api_key: {SECRET}\n"),
         ("bad.yaml: text.api_key: API keys must not be stored",), absent=(SECRET,),
         subprocess=True),
    Case("config-bad-override", train_config("{}\n", "--set", "training.seed=abc"),
         ("bad.yaml: training.seed: expected an integer", "'abc'")),
    Case("config-missing-file", lambda inputs: ["train", "--config", str(inputs.tmp / "none.yaml")],
         ("none.yaml: config file not found",)),

    Case("train-texts-invalid-json",
         train_with_texts(damaged_texts("user_preferences.json", break_json_at_line_3)),
         ("user_preferences.json:3:", "invalid JSON", "ur4rec texts generate")),
    Case("audit-texts-invalid-json",
         audit(damaged_texts("user_preferences.json", break_json_at_line_3)),
         ("user_preferences.json:3:", "invalid JSON")),
    Case("subprocess-audit-texts-invalid-json",
         audit(damaged_texts("user_preferences.json", break_json_at_line_3)),
         ("user_preferences.json:3:", "invalid JSON"), subprocess=True),
    Case("train-texts-non-string",
         train_with_texts(damaged_texts("item_descriptions.json", set_value("1", 5))),
         ("item_descriptions.json: the value of id '1' is a JSON number", "expected a string")),
    Case("audit-texts-null",
         audit(damaged_texts("user_preferences.json", set_value("1", None))),
         ("user_preferences.json: the value of id '1' is a JSON null", "expected a string")),
    Case("train-texts-all-unknown-ids",
         train_with_texts(damaged_texts("item_descriptions.json",
                                        replace_all({"5001": "a", "5002": "b"}))),
         ("item_descriptions.json: none of its 2 item ids is in the data set", "5001, 5002",
          "texts folder of this one")),
    Case("audit-texts-duplicate-id",
         audit(damaged_texts("user_preferences.json", duplicate_first_id)),
         ("user_preferences.json: duplicate id '298'", "only once")),
    Case("train-texts-not-utf8",
         train_with_texts(damaged_texts("item_descriptions.json", latin1_texts)),
         ("item_descriptions.json: not UTF-8 text", "save the file as UTF-8")),
    Case("audit-texts-some-unknown-ids",
         audit(damaged_texts("user_preferences.json", set_value("99999", "A text."))),
         ("user_preferences.json: ignored 1 texts whose user ids are not in the data set",
          "99999", "belong to this data set"), exit_code=0),
    Case("audit-texts-empty-string",
         audit(damaged_texts("user_preferences.json", set_value("1", "  "))),
         ("user_preferences.json: 1 empty texts are treated as missing", "first ids: 1",
          "write a text"), exit_code=0),

    Case("recommend-unknown-user", recommend(tiny_run, user="99999"),
         ("user '99999' is not in data set 'ml-100k'", "'1' to '943'")),
    Case("subprocess-recommend-unknown-user",
         recommend(tiny_run, user="99999"),
         ("user '99999' is not in data set",), subprocess=True),
    Case("evaluate-not-a-run", evaluate(no_run), ("not-a-run: not a run directory", "--output")),
    Case("evaluate-state-format", evaluate(damaged_run(set_state_format)),
         ("state.json: run format 99 is not supported", "start a new run directory")),
    Case("subprocess-evaluate-state-format", evaluate(damaged_run(set_state_format)),
         ("state.json: run format 99 is not supported",), subprocess=True),
    Case("recommend-state-format", recommend(damaged_run(set_state_format)),
         ("state.json: run format 99 is not supported",)),
    Case("resume-state-format", resume(damaged_run(set_state_format)),
         ("state.json: run format 99 is not supported",)),
    Case("evaluate-checkpoint-version",
         evaluate(damaged_run(edit_best_checkpoint(set_checkpoint_version))),
         ("end_to_end/best.pt: checkpoint version 0 is not supported", "train the run again")),
    Case("resume-checkpoint-version",
         resume(damaged_run(edit_best_checkpoint(set_checkpoint_version))),
         ("end_to_end/best.pt: checkpoint version 0 is not supported",)),
    Case("recommend-checkpoint-of-other-model",
         recommend(damaged_run(edit_best_checkpoint(drop_memory_weights))),
         ("end_to_end/best.pt: the checkpoint does not fit the model", "tensors are missing",
          "memory.", "train the run again")),
    Case("evaluate-truncated-checkpoint", evaluate(damaged_run(truncate_best_checkpoint)),
         ("end_to_end/best.pt: checkpoint is unreadable",)),
    Case("evaluate-config-of-other-version", evaluate(damaged_run(add_config_key)),
         ("config.yaml: warmup_epochs: unknown key",)),
]


# -- running the CLI ---------------------------------------------------------------------------


def run_in_process(args: list[str], capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(args)
    except SystemExit as exc:  # argparse rejects its own arguments this way
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_subprocess(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    # -q keeps the log at warnings, so the error line is the only stderr line of a failure.
    full_env = {**os.environ, **env, "PYTHONPATH": str(REPO_ROOT)}
    full_env.pop("UR4REC_TEXTS_SOURCE", None)
    done = subprocess.run([sys.executable, "-m", "ur4rec.cli", "-q", *args], env=full_env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_reported_clearly(case, tmp_path, ml100k_dir, texts_dir, request,
                                       monkeypatch, capsys, caplog):
    inputs = Inputs(tmp_path, ml100k_dir, texts_dir, request)
    # No case may download: a missing data set is imported from a local folder instead.
    inputs.env["UR4REC_ML100K_SOURCE"] = str(tmp_path / "no-download")
    args = case.build(inputs)
    monkeypatch.delenv("UR4REC_TEXTS_SOURCE", raising=False)
    for name, value in inputs.env.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG, logger="ur4rec")

    started = time.monotonic()
    if case.subprocess:
        code, out, err = run_subprocess(args, inputs.env, tmp_path)
    else:
        code, out, err = run_in_process(args, capsys)
    seconds = time.monotonic() - started

    assert "Traceback" not in err
    assert "Traceback" not in out
    assert code == case.exit_code, err
    if case.exit_code == 0:
        message = caplog.text
    else:
        lines = [line for line in err.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error: ")]
        assert len(errors) == 1, err
        assert lines[-1] == errors[0], err
        if not case.subprocess:
            assert len(lines) == 1, err
        message = errors[0]
    for fragment in case.expected:
        assert fragment in message
    for fragment in case.absent:
        assert fragment not in err + out + caplog.text

    if args[0] == "train" and "--resume" not in args and code == 2:
        # Bad input stops the run before any training work.
        assert not (tmp_path / "out" / "store.sqlite").exists()
        assert not (tmp_path / "out" / "checkpoints").exists()
        assert seconds < MAX_SECONDS_BEFORE_INPUT_ERROR

