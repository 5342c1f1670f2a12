"""Loading the compiled kernels (``analysis/*.pyx``, built by setup.py) safely.

A kernel that is missing, or older than its source (edited since the build),
raises :class:`KernelNotBuilt` with the command that fixes it, instead of
silently running stale code.
"""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from types import ModuleType

_HERE = Path(__file__).resolve().parent


class KernelNotBuilt(ImportError):
    """A compiled kernel is missing or stale; the message says how to build it."""


def load(name: str) -> ModuleType:
    """Import ``analysis.<name>``, checking it was built from the source beside it."""
    try:
        mod = importlib.import_module(f"analysis.{name}")
    except ImportError as err:
        raise KernelNotBuilt(
            f"the compiled kernel analysis/{name}.pyx is not built ({err}); "
            "run `make build` (or `pip install .`)"
        ) from err
    src = _HERE / f"{name}.pyx"
    if src.is_file():  # (a checkout; an installed wheel has no sources to compare)
        sha = hashlib.sha256(src.read_bytes()).hexdigest()
        if getattr(mod, "SOURCE_SHA256", None) != sha:
            raise KernelNotBuilt(
                f"analysis/{name}.pyx changed since it was compiled; run `make build`"
            )
    return mod
