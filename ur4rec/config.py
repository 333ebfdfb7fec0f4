"""Typed UR4Rec configuration: sections, defaults, validation and YAML load/save.

A config file may use the nested sections (``sasrec: {hidden_dim: 64}``) or the flat key
names researchers already use (``sasrec_hidden_dim: 64``). `FLAT_KEYS` maps each flat name to
its section field. Every field carries a type, a default, bounds or choices and a one-line
help text, which the studio uses to build its config form. Unknown keys, wrong types and
out-of-range values raise `ConfigError` naming the key path and the allowed values.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tempfile
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ur4rec.errors import ConfigError

STAGES = ("pretrain_sasrec", "pretrain_retriever", "joint_finetune", "end_to_end")
FUSION_METHODS = ("weighted", "learned", "adaptive")
UPDATE_TRIGGERS = ("INTERACTION_COUNT", "DRIFT_THRESHOLD", "TIME_BASED", "EXPLICIT")
DATASET_KINDS = ("ml-100k", "ml-1m", "csv", "sasrec-txt", "synthetic")
TEXT_POLICIES = ("regenerate-leaking", "drop-leaking", "keep", "regenerate-all")
MODEL_KINDS = ("ur4rec", "sasrec_only", "retriever_only")
MONITOR_PROTOCOLS = ("full", "full_unmasked")
# Exceptions other than yaml.YAMLError that yaml.safe_load raises for a malformed scalar.
YAML_VALUE_ERRORS = (ValueError, TypeError, AttributeError, IndexError, KeyError)
SECRET_KEY_NAMES = ("api_key", "dashscope_api_key", "DASHSCOPE_API_KEY", "apikey")


def spec(
    default: Any,
    help: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: tuple[str, ...] | None = None,
) -> Any:
    """Declare a config field with its default, help text and bounds or choices."""
    metadata = {"help": help, "minimum": minimum, "maximum": maximum, "choices": choices}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class DataConfig:
    dataset: str = spec("ml-100k", "Data set format", choices=DATASET_KINDS)
    data_dir: str = spec("data/ml-100k", "Folder (or file for csv/sasrec-txt) holding the data")
    texts_dir: str = spec(
        "data/llm-generated/ml-100k",
        "Folder with item_descriptions.json and user_preferences.json; missing texts use templates",
    )
    texts_policy: str = spec(
        "regenerate-leaking",
        "What to do with user texts that name a held-out item",
        choices=TEXT_POLICIES,
    )
    max_seq_len: int = spec(50, "Most recent items kept per input sequence", minimum=1, maximum=4096)
    eval_negatives: int = spec(
        100, "Negatives per user in the sampled evaluation protocol", minimum=1, maximum=10000
    )
    synthetic_users: int = spec(1000, "Users of a synthetic data set", minimum=2)
    synthetic_items: int = spec(500, "Items of a synthetic data set", minimum=2)
    synthetic_interactions_per_user: float = spec(
        100.0, "Mean interactions per user of a synthetic data set", minimum=3
    )


@dataclass
class SASRecConfig:
    hidden_dim: int = spec(64, "Embedding and hidden size of SASRec", minimum=8, maximum=4096)
    num_blocks: int = spec(2, "Self-attention blocks", minimum=1, maximum=24)
    num_heads: int = spec(2, "Attention heads per block", minimum=1, maximum=64)
    dropout: float = spec(0.2, "Dropout rate", minimum=0.0, maximum=0.9)
    scale_embeddings: bool = spec(
        True, "Multiply input item embeddings by sqrt(hidden_dim), as in the SASRec paper"
    )


@dataclass
class TextConfig:
    encoder: str = spec(
        "all-MiniLM-L6-v2",
        "sentence-transformers model: all-MiniLM-L6-v2 (bundled) or a local model folder",
    )
    cache_dir: str = spec(".cache/embeddings", "Folder for cached text embeddings")
    batch_size: int = spec(64, "Texts encoded per batch", minimum=1, maximum=4096)


@dataclass
class MoEConfig:
    hidden_dim: int = spec(64, "Size of the retriever's expert representations", minimum=8, maximum=4096)
    num_proxies: int = spec(
        4, "Learnable proxy tokens; 0 turns the router off and averages the experts", minimum=0,
        maximum=256,
    )
    num_heads: int = spec(2, "Attention heads of the proxy attention", minimum=1, maximum=64)
    dropout: float = spec(0.1, "Dropout in the retriever", minimum=0.0, maximum=0.9)


@dataclass
class MemoryConfig:
    max_memory_size: int = spec(
        8, "Earlier memory states kept per user; 0 disables the memory", minimum=0, maximum=1024
    )
    update_trigger: str = spec("INTERACTION_COUNT", "When a user's memory updates", choices=UPDATE_TRIGGERS)
    interaction_threshold: int = spec(
        10, "INTERACTION_COUNT: interactions between updates", minimum=1
    )
    drift_threshold: float = spec(
        0.3, "DRIFT_THRESHOLD: cosine distance that triggers an update", minimum=0.0, maximum=2.0
    )
    time_interval: int = spec(50, "TIME_BASED: global steps between updates", minimum=1)
    decay_factor: float = spec(
        0.9, "Weight of the old memory when blending in the GRU update", minimum=0.0, maximum=1.0
    )


@dataclass
class FusionConfig:
    method: str = spec("adaptive", "How SASRec and retriever scores are fused", choices=FUSION_METHODS)
    sasrec_weight: float = spec(0.7, "weighted: SASRec score weight; others: initial weight", minimum=0.0)
    retriever_weight: float = spec(
        0.3, "weighted: retriever score weight; others: initial weight", minimum=0.0
    )


@dataclass
class TrainingConfig:
    model: str = spec("ur4rec", "Which model to train", choices=MODEL_KINDS)
    stages: list = spec(list(STAGES), "Stages to run, in order")
    epochs_per_stage: int = spec(50, "Maximum epochs per stage", minimum=1, maximum=100_000)
    patience: int = spec(5, "Epochs without a better validation NDCG@10 before stopping", minimum=1)
    monitor_protocol: str = spec(
        "full",
        "Validation protocol for early stopping: full (earlier items masked) or full_unmasked",
        choices=MONITOR_PROTOCOLS,
    )
    batch_size: int = spec(128, "Users per batch", minimum=1, maximum=65_536)
    num_negatives: int = spec(
        0, "Sampled negatives per batch for the retriever loss; 0 uses all items", minimum=0
    )
    loss_positions: int = spec(
        10, "Retriever and fused losses use each sequence's last N positions; 0 uses all", minimum=0
    )
    sasrec_windows: bool = spec(
        True,
        "pretrain_sasrec: cut long training sequences into max_seq_len windows, so every "
        "training item is a target",
    )
    sasrec_lr: float = spec(0.001, "Learning rate of SASRec parameters", minimum=0.0)
    retriever_lr: float = spec(0.001, "Learning rate of retriever, memory and fusion", minimum=0.0)
    weight_decay: float = spec(0.0, "AdamW weight decay", minimum=0.0)
    finetune_lr_scale: float = spec(
        0.25, "Learning-rate factor of joint_finetune and end_to_end", minimum=0.0, maximum=10.0
    )
    use_adaptive_alternating: bool = spec(
        True, "joint_finetune: switch modules when the active one stops improving"
    )
    adaptive_switch_threshold: float = spec(
        0.01, "Relative loss improvement below which the active module switches", minimum=0.0
    )
    adaptive_min_steps: int = spec(10, "Steps a module trains before a switch", minimum=1)
    alternate_every: int = spec(
        20, "joint_finetune without adaptive alternating: steps per module", minimum=1
    )
    eval_every: int = spec(1, "Epochs between validations", minimum=1)
    # np.random.seed rejects seeds of 2**32 and more; the studio's integer fields stop at 2**31 - 1.
    seed: int = spec(42, "Random seed", minimum=0, maximum=2**31 - 1)
    # One thread by default: OpenMP workers that share cores with other busy processes (the
    # studio's UI thread, a second run) made a SASRec step 7x slower on a 2-core machine.
    num_threads: int = spec(1, "torch CPU threads; 0 uses every core", minimum=0)
    device: str = spec("cpu", "torch device (cpu, cuda, cuda:0)")
    max_eval_users: int = spec(0, "Validate on at most this many users; 0 means all", minimum=0)


@dataclass
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    sasrec: SASRecConfig = field(default_factory=SASRecConfig)
    text: TextConfig = field(default_factory=TextConfig)
    moe: MoEConfig = field(default_factory=MoEConfig)
    memory: MemoryConfig = field(default_factory=MemoryConfig)
    fusion: FusionConfig = field(default_factory=FusionConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


SECTIONS: dict[str, type] = {f.name: f.default_factory().__class__ for f in dataclasses.fields(Config)}

# Flat key names from the original UR4Rec configs -> (section, field).
FLAT_KEYS: dict[str, tuple[str, str]] = {
    "sasrec_hidden_dim": ("sasrec", "hidden_dim"),
    "sasrec_num_blocks": ("sasrec", "num_blocks"),
    "sasrec_num_heads": ("sasrec", "num_heads"),
    "sasrec_dropout": ("sasrec", "dropout"),
    "max_seq_len": ("data", "max_seq_len"),
    "text_encoder": ("text", "encoder"),
    "moe_hidden_dim": ("moe", "hidden_dim"),
    "moe_num_proxies": ("moe", "num_proxies"),
    "moe_num_heads": ("moe", "num_heads"),
    "max_memory_size": ("memory", "max_memory_size"),
    "update_trigger": ("memory", "update_trigger"),
    "interaction_threshold": ("memory", "interaction_threshold"),
    "drift_threshold": ("memory", "drift_threshold"),
    "time_interval": ("memory", "time_interval"),
    "decay_factor": ("memory", "decay_factor"),
    "fusion_method": ("fusion", "method"),
    "sasrec_weight": ("fusion", "sasrec_weight"),
    "retriever_weight": ("fusion", "retriever_weight"),
    "sasrec_lr": ("training", "sasrec_lr"),
    "retriever_lr": ("training", "retriever_lr"),
    "use_adaptive_alternating": ("training", "use_adaptive_alternating"),
    "adaptive_switch_threshold": ("training", "adaptive_switch_threshold"),
    "adaptive_min_steps": ("training", "adaptive_min_steps"),
    "stages": ("training", "stages"),
    "epochs_per_stage": ("training", "epochs_per_stage"),
    "patience": ("training", "patience"),
    "batch_size": ("training", "batch_size"),
    "num_negatives": ("training", "num_negatives"),
    "loss_positions": ("training", "loss_positions"),
    "seed": ("training", "seed"),
    "model": ("training", "model"),
}


def _add_unique_field_names(flat: dict[str, tuple[str, str]]) -> None:
    """Accept every field name that occurs in one section only as a flat key too."""
    owners: dict[str, list[str]] = {}
    for section, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            owners.setdefault(f.name, []).append(section)
    for name, sections in owners.items():
        if len(sections) == 1 and name not in SECTIONS:
            flat.setdefault(name, (sections[0], name))


_add_unique_field_names(FLAT_KEYS)


def field_specs(section: str) -> list[dataclasses.Field]:
    """Return the fields of a config section, with their metadata, for building forms."""
    return list(dataclasses.fields(SECTIONS[section]))


def _type_name(annotation: Any) -> str:
    return {int: "an integer", float: "a number", bool: "true or false", str: "a string", list: "a list"}.get(
        annotation, str(annotation)
    )


def _resolve_type(section_cls: type, name: str) -> Any:
    hints = typing.get_type_hints(section_cls)
    hint = hints[name]
    if isinstance(hint, types.UnionType):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    return typing.get_origin(hint) or hint


def coerce_value(
    section: str, name: str, value: Any, source: str | None = None, key_path: str | None = None
) -> Any:
    """Check one value against its field's type and bounds; return it in the field's type."""
    key_path = key_path or f"{section}.{name}"
    section_cls = SECTIONS[section]
    meta = next(f.metadata for f in dataclasses.fields(section_cls) if f.name == name)
    expected = _resolve_type(section_cls, name)

    if expected is bool:
        if not isinstance(value, bool):
            raise ConfigError(key_path, f"expected true or false, got {value!r}", source)
    elif expected is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(key_path, f"expected an integer, got {value!r}", source)
    elif expected is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(key_path, f"expected a number, got {value!r}", source)
        value = _finite_float(value, key_path, source)
    elif expected is str:
        if not isinstance(value, str):
            raise ConfigError(key_path, f"expected a string, got {value!r}", source)
    elif expected is list:
        if not isinstance(value, list):
            raise ConfigError(key_path, f"expected a list, got {value!r}", source)

    choices = meta.get("choices")
    if choices and value not in choices:
        raise ConfigError(key_path, f"invalid value {value!r}; valid values: {', '.join(choices)}", source)
    minimum, maximum = meta.get("minimum"), meta.get("maximum")
    if minimum is not None and value < minimum:
        raise ConfigError(key_path, f"{value!r} is below the minimum {minimum}", source)
    if maximum is not None and value > maximum:
        raise ConfigError(key_path, f"{value!r} is above the maximum {maximum}", source)
    return value


def _finite_float(value: int | float, key_path: str, source: str | None) -> float:
    # NaN passes every bound check (all comparisons are false), so it is rejected here.
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ConfigError(key_path, f"expected a finite number, got {value!r}", source)
    return number


def _check_secret(key: str, key_path: str, source: str | None) -> None:
    if key in SECRET_KEY_NAMES or key.lower().endswith("api_key"):
        raise ConfigError(
            key_path,
            "API keys must not be stored in a config file; set the DASHSCOPE_API_KEY environment "
            "variable or enter the key in the studio's settings, and delete this key",
            source,
        )


def _set_field(values: dict[str, dict[str, Any]], section: str, name: str, value: Any, key_path: str,
               source: str | None) -> None:
    valid = [f.name for f in dataclasses.fields(SECTIONS[section])]
    if name not in valid:
        raise ConfigError(key_path, f"unknown key; valid keys in '{section}': {', '.join(valid)}", source)
    values.setdefault(section, {})[name] = coerce_value(section, name, value, source, key_path)


def config_from_dict(raw: dict[str, Any], source: str | None = None) -> Config:
    """Build a validated `Config` from nested sections and/or flat keys."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError("<root>", f"expected a mapping of keys to values, got {type(raw).__name__}", source)
    values: dict[str, dict[str, Any]] = {}
    for key, value in raw.items():
        key = str(key)
        _check_secret(key, key, source)
        if key in SECTIONS:
            if not isinstance(value, dict):
                raise ConfigError(key, f"expected a mapping of '{key}' settings, got {value!r}", source)
            for name, item in value.items():
                _check_secret(str(name), f"{key}.{name}", source)
                _set_field(values, key, str(name), item, f"{key}.{name}", source)
        elif key in FLAT_KEYS:
            section, name = FLAT_KEYS[key]
            _set_field(values, section, name, value, key, source)
        else:
            valid = sorted(SECTIONS) + sorted(FLAT_KEYS)
            raise ConfigError(key, f"unknown key; valid top-level keys: {', '.join(valid)}", source)
    config = Config(**{name: SECTIONS[name](**values.get(name, {})) for name in SECTIONS})
    validate(config, source)
    return config


def validate(config: Config, source: str | None = None) -> None:
    """Check the rules that span several fields."""
    stages = config.training.stages
    if not stages:
        raise ConfigError("training.stages", f"the stage list is empty; choose from {', '.join(STAGES)}", source)
    for index, stage in enumerate(stages):
        if stage not in STAGES:
            raise ConfigError(
                f"training.stages[{index}]", f"unknown stage {stage!r}; valid stages: {', '.join(STAGES)}", source
            )
    if len(set(stages)) != len(stages):
        raise ConfigError("training.stages", f"a stage is listed twice: {stages}", source)
    if config.sasrec.hidden_dim % config.sasrec.num_heads:
        raise ConfigError(
            "sasrec.num_heads",
            f"hidden_dim {config.sasrec.hidden_dim} is not divisible by num_heads {config.sasrec.num_heads}",
            source,
        )
    if config.moe.hidden_dim % config.moe.num_heads:
        raise ConfigError(
            "moe.num_heads",
            f"moe.hidden_dim {config.moe.hidden_dim} is not divisible by num_heads {config.moe.num_heads}",
            source,
        )


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Read a YAML config file and apply ``key=value`` overrides (dotted or flat keys)."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("<file>", "config file not found; check the path", source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("<file>", f"cannot read the config file: {exc}", source) from None
    raw = parse_yaml(text, source)
    for override in overrides or []:
        apply_override(raw, override)
    return config_from_dict(raw, source)


def parse_yaml(text: str, source: str | None = None) -> dict[str, Any]:
    """Parse YAML text into a mapping, turning syntax errors into `ConfigError` with the line."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError("<yaml>", f"YAML syntax error at {where}: {problem}", source) from None
    except RecursionError:
        # PyYAML composes nested collections recursively.
        raise ConfigError("<yaml>", "the YAML nests lists or mappings too deeply; a config needs "
                          "two levels (section and key)", source) from None
    except YAML_VALUE_ERRORS as exc:
        # PyYAML's scalar constructors let these escape, e.g. for `2020-13-45`, `!!int` or `!!bool`.
        raise ConfigError("<yaml>", f"invalid YAML value ({exc}); quote the value or fix it",
                          source) from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError("<root>", f"expected a mapping of keys to values, got {type(raw).__name__}", source)
    return raw


def apply_override(raw: dict[str, Any], override: str) -> None:
    """Apply one ``key=value`` override to a raw config mapping; the value is parsed as YAML."""
    if "=" not in override:
        raise ConfigError(override, "an override must look like key=value, e.g. training.seed=7", "--set")
    key, _, text = override.partition("=")
    key = key.strip()
    try:
        value = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, *YAML_VALUE_ERRORS):
        value = text
    if "." in key:
        section, name = key.split(".", 1)
        target = raw.setdefault(section, {})
        if not isinstance(target, dict):
            raise ConfigError(section, "cannot override a field of a non-mapping value", "--set")
        target[name] = value
    else:
        raw[key] = value


def config_to_yaml(config: Config) -> str:
    """Return the config as nested YAML that `parse_yaml` reads back to the same values."""
    values = config.to_dict()
    text = yaml.safe_dump(values, sort_keys=False, allow_unicode=True)
    if yaml.safe_load(text) != values:
        # PyYAML writes a few characters unescaped that it then reads as line breaks (U+0085,
        # U+2028), so such a config is written with every non-ASCII character escaped.
        text = yaml.safe_dump(values, sort_keys=False, allow_unicode=False)
    return text


def save_config(config: Config, path: str | Path) -> None:
    """Write the config as nested YAML atomically (temporary file, then rename)."""
    atomic_write_text(Path(path), config_to_yaml(config))


def atomic_write_text(path: Path, text: str) -> None:
    """Write text to `path` through a temporary file in the same folder and `os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
