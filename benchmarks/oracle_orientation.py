"""How much of the counting error is the orientation estimate's? Count with the true one.

Usage:  .venv/bin/python benchmarks/oracle_orientation.py [DATASET] [--exercise raised_leg_stretch]
                                                                  [--sensors thigh|thigh+shank]

For each simulated recording of ``DATASET`` (a folder written by ``glidecount
dataset``; without one, the tuning split ``--split tune --seed 1 --n 120`` is
written to a temporary folder) with the chosen exercise and sensor set, the
recording is simulated
again from its ``# seed=...`` metadata to get ``SimResult.thigh_up``, the
sensor's true orientation. The counter then runs twice on the recorded samples:
as it is, and with the thigh's gravity direction from the AHRS replaced by the
true one at every grid sample (speeds, calibration and everything else as
usual). If the exact-count rate hardly moves, the detector, not the
orientation estimate, is what still fails. Measurement only: it patches
``Tracking._track`` in this process.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import analysis.tracking as tracking  # noqa: E402
from analysis.offline import analyze_chunk  # noqa: E402
from analysis.tracking import Tracked  # noqa: E402
from sensors.recording import read_recording  # noqa: E402
from sensors.sim.dataset import make_dataset  # noqa: E402
from sensors.sim.files import read_truth, simulate_again, truth_path  # noqa: E402

_TRUE: dict[str, object] = {}  # the recording's true (t_s, up) while the oracle is on
_track = tracking.Tracking._track


def _oracle_track(self: tracking.Tracking, t: np.ndarray, v: np.ndarray, reset: bool) -> Tracked:
    block = _track(self, t, v, reset)
    if not _TRUE.get("on"):
        return block
    tt, up = _TRUE["truth"]  # type: ignore[misc]
    true = np.stack([np.interp(t, tt, up[:, k]) for k in range(3)], axis=1)
    true /= np.linalg.norm(true, axis=1, keepdims=True)
    grav = block.thigh_gravity.copy()
    ok = ~np.isnan(grav).any(axis=1)
    grav[ok] = true[ok]
    return block._replace(thigh_gravity=grav)


tracking.Tracking._track = _oracle_track  # type: ignore[method-assign]


def one(path: str, exercise: str, sensors: str) -> tuple[str, int, int, int] | None:
    """(file, true count, count with the AHRS, count with the true orientation), or
    None for a recording of another exercise or sensor set (read once, in the worker)."""
    rec = read_recording(path)
    shank = "thigh+shank" if rec.chunk.has_shank else "thigh"
    if rec.metadata.get("exercise") != exercise or shank != sensors:
        return None
    truth = read_truth(path)
    res = simulate_again(rec, truth)
    assert res.thigh_up is not None and truth.reps
    offset = truth.reps[0].start_s - res.truth.reps[0].start_s  # the file's clock origin
    _TRUE.update(on=False, truth=(res.chunk.t_s + offset, res.thigh_up))
    with_ahrs = analyze_chunk(rec.chunk, truth.exercise).summary.count
    _TRUE.update(on=True)
    with_truth = analyze_chunk(rec.chunk, truth.exercise).summary.count
    _TRUE["on"] = False
    return path, len(truth.reps), with_ahrs, with_truth


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", nargs="?", help="simulated recordings (default: tune seed 1)")
    ap.add_argument("--exercise", default="raised_leg_stretch")
    ap.add_argument("--sensors", choices=("thigh", "thigh+shank"), default="thigh")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    if args.dataset is None:
        with tempfile.TemporaryDirectory(prefix="glidecount-oracle-") as tmp:
            make_dataset(tmp, 120, 1, "tune", args.jobs)
            return main([tmp, "--exercise", args.exercise, "--sensors", args.sensors,
                         "--jobs", str(args.jobs)])  # fmt: skip
    files = [str(f) for f in sorted(Path(args.dataset).glob("*.csv")) if truth_path(f).exists()]
    job = partial(one, exercise=args.exercise, sensors=args.sensors)
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        res = [r for r in pool.map(job, files) if r is not None]
    n = len(res)
    ahrs = sum(r[2] == r[1] for r in res)
    oracle = sum(r[3] == r[1] for r in res)
    print(f"{args.dataset}: {n} recordings, {args.exercise}, {args.sensors}")
    print(f"exact count with the AHRS:             {ahrs:4d} ({100 * ahrs / max(n, 1):.1f} %)")
    print(f"exact count with the true orientation: {oracle:4d} ({100 * oracle / max(n, 1):.1f} %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
