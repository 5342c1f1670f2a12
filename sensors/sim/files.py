"""Writing simulated recordings: the CONTRACT §2 CSV plus a ``<file>.truth.json`` sidecar."""

from __future__ import annotations

import os
from pathlib import Path

from sensors.recording import Recording, write_recording
from sensors.sim.config import SimConfig
from sensors.sim.engine import SimResult, simulate
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


def simulate_again(rec: Recording, truth: SetTruth) -> SimResult:
    """The simulation that wrote ``rec``, run again from its ``# seed=...`` metadata,
    without jitter and gaps: the patient's true motion (e.g. ``thigh_up``) for
    measurements that need the truth behind a recording. Its clock starts at 0,
    not at the file's ``t_s`` origin."""
    md = rec.metadata
    cfg = SimConfig(truth.exercise, reps=len(truth.reps), seed=int(md["seed"]),
                    rate_hz=float(md["rate_hz"]), shank=rec.chunk.has_shank,
                    condition=md["condition"], leg=md["leg"], jitter=False, gaps=False)  # fmt: skip
    return simulate(cfg)
