"""Load a physio's prescription (JSON) with one-line errors."""

from __future__ import annotations

import json

from analysis.settings import Prescription
from sensors.errors import UserError


def load_prescription(path: str) -> Prescription:
    """Read ``{"min_lift_s": 2.0, ...}``; unknown keys or bad values are refused."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise UserError(f"{path}: no such prescription file") from None
    except json.JSONDecodeError as err:
        raise UserError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: a prescription is a JSON object")
    for key, value in data.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise UserError(f"{path}: {key} must be a non-negative number, got {value!r}")
    try:
        return Prescription.from_dict(data)
    except (ValueError, TypeError) as err:
        raise UserError(f"{path}: {err}") from None
