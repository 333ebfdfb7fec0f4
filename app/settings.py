"""Typed studio settings stored with QSettings (organization "UR4Rec", application "UR4Rec Studio").

The DashScope API key lives only here (the platform's QSettings store: an INI file on Linux, the
registry on Windows, a plist on macOS). The studio never writes it to a config file or a log line.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

from ur4rec.llm.api_key import API_KEY_ENV, mask_key

ORGANIZATION = "UR4Rec"
APPLICATION = "UR4Rec Studio"
LANGUAGES = ("system", "en", "zh_CN")
MAX_RECENT = 10
SCHEMA_VERSION = 1


class Settings:
    """Typed accessors over a `QSettings` store. Tests pass their own store to stay isolated."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else QSettings(ORGANIZATION, APPLICATION)
        if self.store.value("schema_version") is None:
            self.store.setValue("schema_version", SCHEMA_VERSION)

    @classmethod
    def from_file(cls, path: str | Path) -> Settings:
        """Settings kept in an INI file (used by tests and the screenshot script)."""
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    # -- language ---------------------------------------------------------------------------

    @property
    def language(self) -> str:
        value = str(self.store.value("language", "system"))
        return value if value in LANGUAGES else "system"

    @language.setter
    def language(self, value: str) -> None:
        if value not in LANGUAGES:
            raise ValueError(f"unknown language {value!r}; valid values: {', '.join(LANGUAGES)}")
        self.store.setValue("language", value)

    # -- folders ----------------------------------------------------------------------------

    @property
    def data_folder(self) -> Path:
        """Folder that relative data, text and cache paths of a config are resolved against."""
        return Path(str(self.store.value("data_folder", str(Path.cwd()))))

    @data_folder.setter
    def data_folder(self, value: str | Path) -> None:
        self.store.setValue("data_folder", str(value))

    @property
    def runs_folder(self) -> Path:
        """Folder under which new run directories are created."""
        default = str(self.data_folder / "runs")
        return Path(str(self.store.value("runs_folder", default)))

    @runs_folder.setter
    def runs_folder(self, value: str | Path) -> None:
        self.store.setValue("runs_folder", str(value))

    # -- recent files -----------------------------------------------------------------------

    @property
    def recent_configs(self) -> list[Path]:
        return self._read_list("recent_configs")

    def add_recent_config(self, path: str | Path) -> None:
        self._push_recent("recent_configs", path)

    @property
    def recent_runs(self) -> list[Path]:
        return self._read_list("recent_runs")

    def add_recent_run(self, path: str | Path) -> None:
        self._push_recent("recent_runs", path)

    def _read_list(self, key: str) -> list[Path]:
        value = self.store.value(key, [])
        if isinstance(value, str):
            # QSettings returns a one-element list stored in an INI file as a plain string.
            value = [value] if value else []
        return [Path(str(item)) for item in value or []]

    def _push_recent(self, key: str, path: str | Path) -> None:
        resolved = str(Path(path).resolve())
        items = [str(p) for p in self._read_list(key) if str(p) != resolved]
        self.store.setValue(key, [resolved, *items][:MAX_RECENT])

    # -- DashScope API key ------------------------------------------------------------------

    @property
    def api_key(self) -> str:
        return str(self.store.value("dashscope_api_key", "") or "")

    @api_key.setter
    def api_key(self, value: str) -> None:
        value = value.strip()
        if value:
            self.store.setValue("dashscope_api_key", value)
        else:
            self.store.remove("dashscope_api_key")

    @property
    def masked_api_key(self) -> str:
        """The key as "sk-…1234", or an empty string when none is stored."""
        return mask_key(self.api_key) if self.api_key else ""

    def export_api_key(self) -> None:
        """Copy the stored key into `DASHSCOPE_API_KEY` for library calls unless it is set."""
        if self.api_key and not os.environ.get(API_KEY_ENV):
            os.environ[API_KEY_ENV] = self.api_key

    def sync(self) -> None:
        self.store.sync()
