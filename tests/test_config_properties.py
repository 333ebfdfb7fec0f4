"""Config loading: malformed input fails only with UR4RecError, and valid input round-trips."""

from __future__ import annotations

import dataclasses
import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ur4rec.config import (
    FLAT_KEYS,
    SECTIONS,
    STAGES,
    Config,
    apply_override,
    atomic_write_text,
    config_from_dict,
    config_to_yaml,
    load_config,
    parse_yaml,
    save_config,
)
from ur4rec.errors import ConfigError, UR4RecError

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SECTION_NAMES = sorted(SECTIONS)
FIELD_NAMES = sorted({f.name for cls in SECTIONS.values() for f in dataclasses.fields(cls)})

# Keys near the valid ones, so that fuzzing reaches the type and range checks.
KEYS = st.one_of(
    st.sampled_from(SECTION_NAMES + FIELD_NAMES + sorted(FLAT_KEYS)),
    st.sampled_from(["api_key", "DASHSCOPE_API_KEY", "openai_api_key", "", "stage", "Data"]),
    st.text(max_size=12),
    st.integers(-3, 3),
    st.none(),
    st.booleans(),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(list(STAGES) + ["weighted", "adaptive", "EXPLICIT", "ml-100k", "keep", "cpu"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(KEYS, children, max_size=4),
    ),
    max_leaves=12,
)
RAW_CONFIGS = st.one_of(
    st.dictionaries(KEYS, VALUES, max_size=5),
    st.dictionaries(
        st.sampled_from(SECTION_NAMES),
        st.dictionaries(st.sampled_from(FIELD_NAMES), VALUES, max_size=4),
        max_size=4,
    ),
    VALUES,
)

# Fragments of YAML syntax mixed with text, so parse errors happen at many positions.
YAML_PIECES = st.sampled_from([
    "training:", "  stages: [", "pretrain_sasrec", "]", "{", "}", ": ", "- ", "\n", "\t", "  ",
    "'", '"', "&a", "*a", "!!int", "!!bool", "!!timestamp", "!!binary", "!!set", "<<: ",
    "!!python/object:os.system", "%YAML 1.1", "---", "...",
    "sasrec_hidden_dim: 64", "seed: 2020-13-45", "#", ",", "?", "|", ">", "\x00", "\ufeff", "é",
])
YAML_TEXT = st.one_of(
    st.lists(YAML_PIECES, max_size=30).map("".join),
    st.text(max_size=200),
    VALUES.map(lambda value: yaml.safe_dump(value, allow_unicode=True)),
)
DOTTED_KEYS = [f"{section}.{name}" for section in SECTION_NAMES for name in FIELD_NAMES]
OVERRIDES = st.one_of(
    st.tuples(st.sampled_from(sorted(FLAT_KEYS) + DOTTED_KEYS), st.text(max_size=20)).map("=".join),
    st.text(max_size=30),
)


def build_or_reject(build) -> Config | None:
    """Call `build()`; a UR4RecError is an accepted outcome, any other exception fails the test."""
    try:
        return build()
    except UR4RecError as err:
        assert str(err), "a UR4RecError needs a message"
        return None


def field_meta(section: str, name: str) -> dict[str, Any]:
    return next(f.metadata for f in dataclasses.fields(SECTIONS[section]) if f.name == name)


@st.composite
def valid_configs(draw) -> Config:
    """Configs whose every field contains a random valid value."""
    defaults = Config()
    sections = {}
    for section, cls in SECTIONS.items():
        values = {}
        for f in dataclasses.fields(cls):
            default = getattr(getattr(defaults, section), f.name)
            values[f.name] = draw(valid_value(f.metadata, default))
        sections[section] = values
    # Head counts must divide the hidden sizes.
    sections["sasrec"]["hidden_dim"] = sections["sasrec"]["num_heads"] * draw(st.integers(8, 16))
    sections["moe"]["hidden_dim"] = sections["moe"]["num_heads"] * draw(st.integers(8, 16))
    return config_from_dict(sections)


def valid_value(meta: dict[str, Any], default: Any) -> st.SearchStrategy:
    if meta["choices"]:
        return st.sampled_from(meta["choices"])
    if isinstance(default, bool):
        return st.booleans()
    if isinstance(default, list):
        return st.permutations(list(STAGES)).flatmap(lambda stages: st.integers(1, len(stages)).map(
            lambda n: list(stages[:n])))
    low = meta["minimum"] if meta["minimum"] is not None else 0
    high = meta["maximum"] if meta["maximum"] is not None else max(low, 0) + 1000
    if isinstance(default, int):
        return st.integers(int(math.ceil(low)), int(high))
    if isinstance(default, float):
        return st.floats(low, high, allow_nan=False)
    return st.text(min_size=1, max_size=20)


# -- property tests ----------------------------------------------------------------------------


@FUZZ
@given(RAW_CONFIGS)
def test_config_from_dict_fuzz(raw):
    config = build_or_reject(lambda: config_from_dict(raw, "fuzz.yaml"))
    if config is not None:
        # Whatever is accepted is valid, so it is accepted again unchanged.
        assert config_from_dict(config.to_dict()) == config


@FUZZ
@given(YAML_TEXT)
def test_parse_yaml_fuzz(text):
    raw = build_or_reject(lambda: parse_yaml(text, "fuzz.yaml"))
    if raw is not None:
        assert isinstance(raw, dict)
        build_or_reject(lambda: config_from_dict(raw, "fuzz.yaml"))


@FUZZ
@given(st.one_of(st.binary(max_size=300), YAML_TEXT.map(lambda t: t.encode("utf-8", "replace"))),
       st.lists(OVERRIDES, max_size=3))
def test_load_config_fuzz(content, overrides):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_bytes(content)
        build_or_reject(lambda: load_config(path, overrides))


@FUZZ
@given(RAW_CONFIGS.filter(lambda raw: isinstance(raw, dict)),
       st.lists(OVERRIDES, min_size=1, max_size=4))
def test_apply_override_fuzz(raw, overrides):
    def build() -> Config:
        for override in overrides:
            apply_override(raw, override)
        return config_from_dict(raw, "fuzz.yaml")

    build_or_reject(build)


@FUZZ
@given(valid_configs())
def test_save_then_load_round_trip(config):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "nested" / "config.yaml"
        save_config(config, path)
        assert load_config(path) == config
        assert [p.name for p in path.parent.iterdir()] == ["config.yaml"]


# -- plain tests -------------------------------------------------------------------------------


def test_unknown_section_key_lists_valid_keys():
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"sasrec": {"hiden_dim": 32}}, "my.yaml")
    message = str(caught.value)
    assert caught.value.key_path == "sasrec.hiden_dim"
    assert message.startswith("my.yaml: sasrec.hiden_dim: unknown key")
    for name in ("hidden_dim", "num_blocks", "num_heads", "dropout"):
        assert name in message


def test_unknown_top_level_key_lists_keys():
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"learning_rate": 0.1})
    message = str(caught.value)
    assert caught.value.key_path == "learning_rate"
    for name in (*SECTION_NAMES, "sasrec_hidden_dim", "fusion_method"):
        assert name in message


@pytest.mark.parametrize(
    ("raw", "key_path", "fragments"),
    [
        ({"training": {"batch_size": "big"}}, "training.batch_size",
         ("expected an integer", "'big'")),
        ({"training": {"batch_size": 12.5}}, "training.batch_size",
         ("expected an integer", "12.5")),
        ({"training": {"use_adaptive_alternating": "yes"}}, "training.use_adaptive_alternating",
         ("expected true or false", "'yes'")),
        ({"sasrec": {"dropout": 1.5}}, "sasrec.dropout", ("1.5", "above the maximum 0.9")),
        ({"sasrec": {"num_blocks": 0}}, "sasrec.num_blocks", ("0", "below the minimum 1")),
        ({"sasrec": {"dropout": float("nan")}}, "sasrec.dropout", ("finite number", "nan")),
        ({"fusion": {"sasrec_weight": float("inf")}}, "fusion.sasrec_weight",
         ("finite number", "inf")),
        ({"fusion": {"retriever_weight": 10**400}}, "fusion.retriever_weight", ("finite number",)),
        ({"training": {"seed": 2**40}}, "training.seed", (str(2**40), "above the maximum")),
        ({"fusion": {"method": "mean"}}, "fusion.method",
         ("'mean'", "weighted, learned, adaptive")),
        ({"fusion_method": "mean"}, "fusion_method", ("'mean'", "weighted, learned, adaptive")),
        ({"memory": {"update_trigger": "SOMETIMES"}}, "memory.update_trigger",
         ("'SOMETIMES'", "INTERACTION_COUNT", "EXPLICIT")),
        ({"training": {"stages": ["pretrain_sasrec", "warmup"]}}, "training.stages[1]",
         ("'warmup'", *STAGES)),
        ({"training": {"stages": []}}, "training.stages", ("empty", *STAGES)),
        ({"training": {"stages": "pretrain_sasrec"}}, "training.stages", ("expected a list",)),
        ({"sasrec": {"hidden_dim": 30, "num_heads": 4}}, "sasrec.num_heads",
         ("30", "not divisible", "4")),
        ({"sasrec": 64}, "sasrec", ("expected a mapping", "64")),
    ],
)
def test_invalid_value_names_key_and_value(raw, key_path, fragments):
    with pytest.raises(ConfigError) as caught:
        config_from_dict(raw, "my.yaml")
    assert caught.value.key_path == key_path
    message = str(caught.value)
    assert message.startswith(f"my.yaml: {key_path}: ")
    for fragment in fragments:
        assert fragment in message


def test_every_flat_key_maps_to_its_section():
    defaults = Config()
    for flat, (section, name) in FLAT_KEYS.items():
        value = other_valid_value(section, name, getattr(getattr(defaults, section), name))
        config = config_from_dict({flat: value})
        assert getattr(getattr(config, section), name) == value, flat
        assert config == config_from_dict({section: {name: value}}), flat


def other_valid_value(section: str, name: str, default: Any) -> Any:
    """A valid value of the field that differs from its default."""
    meta = field_meta(section, name)
    if meta["choices"]:
        return next(c for c in reversed(meta["choices"]) if c != default)
    if isinstance(default, bool):
        return not default
    if isinstance(default, list):
        return default[:1]
    if isinstance(default, int):
        # Doubling keeps hidden sizes divisible by the default head counts.
        return default * 2 if default else 1
    if isinstance(default, float):
        return default / 2 if default else 0.5
    return default + "-other"


def test_overrides_take_dotted_and_flat_keys(tmp_path):
    path = tmp_path / "base.yaml"
    path.write_text("training:\n  seed: 1\n  stages: [pretrain_sasrec, pretrain_retriever]\n")

    config = load_config(path, [
        "training.seed=7", "fusion_method=learned", "training.stages=[pretrain_sasrec]",
        "data.texts_dir=some folder=with equals",
    ])

    assert config.training.seed == 7
    assert config.fusion.method == "learned"
    assert config.training.stages == ["pretrain_sasrec"]
    assert config.data.texts_dir == "some folder=with equals"


@pytest.mark.parametrize(
    ("override", "fragments"),
    [
        ("training.seed", ("--set", "key=value")),
        ("training.seed=abc", ("training.seed", "expected an integer", "'abc'")),
        ("sasrec.hiden_dim=8", ("sasrec.hiden_dim", "unknown key", "hidden_dim")),
        ("training.stages=[]", ("training.stages", "empty")),
        ("training=5", ("training", "expected a mapping")),
    ],
)
def test_bad_override_is_rejected(tmp_path, override, fragments):
    path = tmp_path / "base.yaml"
    path.write_text("training:\n  seed: 1\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, [override])
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [
        {"api_key": "sk-secret-123"},
        {"DASHSCOPE_API_KEY": "sk-secret-123"},
        {"openai_api_key": "sk-secret-123"},
        {"text": {"api_key": "sk-secret-123"}},
        {"training": {"dashscope_api_key": "sk-secret-123"}},
    ],
)
def test_secret_key_is_rejected(raw):
    with pytest.raises(ConfigError) as caught:
        config_from_dict(raw, "my.yaml")
    message = str(caught.value)
    assert "DASHSCOPE_API_KEY environment variable" in message
    assert "settings" in message
    assert "sk-secret-123" not in message


def test_secret_override_is_rejected(tmp_path):
    path = tmp_path / "base.yaml"
    path.write_text("{}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, ["text.api_key=sk-secret-123"])
    assert "DASHSCOPE_API_KEY" in str(caught.value)
    assert "sk-secret-123" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("training:\n  seed: 1\n   stages: [a\n", ("YAML syntax error at line 3",)),
        ("training: {seed: 1\n", ("YAML syntax error at line 2",)),
        ("seed: 2020-13-45\n", ("invalid YAML value", "month must be in 1..12")),
        ("seed: !!int\n", ("invalid YAML value",)),
        ("seed: !!bool\n", ("invalid YAML value",)),
        ("seed: !!timestamp x\n", ("invalid YAML value",)),
        ("[" * 5000, ("nests lists or mappings too deeply",)),
        ("- pretrain_sasrec\n", ("expected a mapping", "list")),
    ],
)
def test_yaml_errors_name_file_and_position(tmp_path, text, fragments):
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize("make", ["missing", "folder", "latin-1"])
def test_unreadable_config_file(tmp_path, make):
    path = tmp_path / "config.yaml"
    if make == "folder":
        path.mkdir()
    elif make == "latin-1":
        path.write_bytes("data:\n  data_dir: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)


def test_round_trip_of_non_default_config(tmp_path):
    raw = {
        "data": {"max_seq_len": 20, "texts_policy": "keep"},
        "sasrec": {"hidden_dim": 48, "num_heads": 3, "dropout": 0.0},
        "memory": {"update_trigger": "DRIFT_THRESHOLD", "drift_threshold": 0.25},
        "fusion": {"method": "weighted", "sasrec_weight": 0.6},
        "training": {"stages": ["pretrain_retriever", "end_to_end"], "seed": 7},
    }
    config = config_from_dict(raw)
    path = tmp_path / "saved.yaml"

    save_config(config, path)

    assert load_config(path) == config
    assert parse_yaml(path.read_text()) == config.to_dict()
    assert config_to_yaml(load_config(path)) == path.read_text()


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "config.yaml"
    path.write_text("old\n")

    def fail_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("ur4rec.config.os.replace", fail_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(path, "new\n")

    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["config.yaml"]
