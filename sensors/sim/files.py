"""Writing simulated recordings: the CONTRACT §2 CSV plus a ``<file>.truth.json`` sidecar."""

from __future__ import annotations

import os
from pathlib import Path

from sensors.recording import write_recording
from sensors.sim.engine import SimResult
from sensors.sim.truth import SetTruth


def truth_path(csv_path: str | os.PathLike[str]) -> Path:
    """Where the truth of a recording lives: beside it, named ``<file>.truth.json``."""
    p = Path(csv_path)
    return p.with_name(p.name + ".truth.json")


def write_result(res: SimResult, csv_path: str | os.PathLike[str]) -> Path:
    """Write the CSV (with ``# key=value`` metadata) and its truth sidecar; return the sidecar."""
    write_recording(csv_path, res.chunk, res.metadata)
    tp = truth_path(csv_path)
    tp.write_text(res.truth.to_json() + "\n", encoding="utf-8")
    return tp


def read_truth(csv_path: str | os.PathLike[str]) -> SetTruth:
    """The truth sidecar of a recording."""
    return SetTruth.from_json(truth_path(csv_path).read_text(encoding="utf-8"))
