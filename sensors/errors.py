"""User-facing errors: each carries a one-line message naming what and where."""


class UserError(Exception):
    """A problem the user can fix (bad file, missing sensor, dead broker).

    The CLI prints ``str(err)`` as one line and exits non-zero, never a traceback.
    """


class RecordingError(UserError):
    """A recording file that breaks CONTRACT §2: names the file, line and reason."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")


class SensorError(UserError):
    """No sensor, wrong chip, or an I2C failure that retries could not cure."""
