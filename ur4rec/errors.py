"""Exception types for input the user can fix.

Every error a user can cause (a bad file, config key or id) is raised as a subclass of
`UR4RecError`. The CLI prints its message on one line and exits with code 2; the studio
shows the message in a dialog. Anything else is a bug and keeps its traceback.
"""


class UR4RecError(Exception):
    """Base class for errors caused by user input; the message names the source and the fix."""


class ConfigError(UR4RecError):
    """An invalid config: unknown key, wrong type, out-of-range value or YAML syntax error."""

    def __init__(self, key_path: str, message: str, source: str | None = None) -> None:
        self.key_path = key_path
        self.source = source
        where = f"{source}: " if source else ""
        # Whole-file problems (missing file, YAML syntax) have no key to name.
        key = "" if key_path.startswith("<") else f"{key_path}: "
        super().__init__(f"{where}{key}{message}")


class DataError(UR4RecError):
    """An invalid data file; the message names the file, the line and the bad value."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {message}")


class TextsError(UR4RecError):
    """An invalid LLM text file or text cache."""


class UnknownUserError(UR4RecError):
    """A raw user id that the data set does not contain."""


class RunError(UR4RecError):
    """A run directory that is missing, incomplete or written by an incompatible version."""


class StoreError(UR4RecError):
    """A run store that cannot be opened or migrated."""


class LLMError(UR4RecError):
    """A text-generation failure the user must act on (missing key, quota exhausted)."""
