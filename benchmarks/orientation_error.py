"""Accuracy of the core's thigh orientation against the simulator's truth.

Usage:  .venv/bin/python benchmarks/orientation_error.py [--n 24] [--seed 9100000] [--settings JSON]

Counting reads angles between the thigh's gravity direction now and at rest a
few seconds before: a partial stretch moves the held thigh only 4-7 degrees, so
an orientation error of a degree or two is the difference between a rep and
none. This runs the core's orientation stage (``analysis.resample`` onto the
25 Hz grid, then ``analysis.orientation.OrientationTracker``, as
``RepCounter`` does) over ``--n`` simulated thigh recordings per exercise
(rates 25-200 Hz, conditions in turn, seeds ``--seed`` + i) and compares its
gravity direction with ``SimResult.thigh_up``, the world's up direction in the
sensor frame (strap creep and slips included: they are real turns of the
sensor). Columns: the error of the angle turned over 1 s and 5 s (|estimated -
true|, degrees; percentiles over every grid sample), and the absolute error
after its per-recording median is removed (the accelerometer's bias gives
every recording a fixed offset that no relative angle sees).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.orientation import OrientationTracker  # noqa: E402
from analysis.resample import Resampler  # noqa: E402
from analysis.settings import EXERCISES, CoreSettings  # noqa: E402
from sensors.sim import SimConfig, simulate  # noqa: E402

CONDITIONS = ("normal", "partial", "tremor", "fast", "fatigue", "short_hold", "pauses")
RATES_HZ = (25.0, 50.0, 100.0, 200.0)
LAGS_S = (1.0, 5.0)


def _angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.degrees(np.arccos(np.clip((a * b).sum(axis=1), -1.0, 1.0)))


def errors(cfg: SimConfig, overrides: dict[str, float] | None = None) -> dict[str, np.ndarray]:
    """Per-sample errors of one recording (keys: rel1, rel5, abs)."""
    res = simulate(cfg)
    assert res.thigh_up is not None
    s = dataclasses.replace(CoreSettings(), **(overrides or {}))
    resampler, tracker = Resampler(s.grid_hz, s.max_gap_s), OrientationTracker(s)
    ch = res.chunk
    ts, gs = [], []
    for block in resampler.feed(ch.t_s, np.concatenate([ch.accel_g, ch.gyro_dps], axis=1)):
        grav, _ = tracker.process(block.values[:, :3], block.values[:, 3:6], block.reset)
        ts.append(block.t_s)
        gs.append(grav)
    t, est = np.concatenate(ts), np.concatenate(gs)
    true = np.stack([np.interp(t, ch.t_s, res.thigh_up[:, k]) for k in range(3)], axis=1)
    true /= np.linalg.norm(true, axis=1, keepdims=True)
    ok = ~np.isnan(est).any(axis=1)
    t, est, true = t[ok], est[ok], true[ok]
    out: dict[str, np.ndarray] = {}
    for lag in LAGS_S:
        n = round(lag * s.grid_hz)
        rel = np.abs(_angle_deg(est[:-n], est[n:]) - _angle_deg(true[:-n], true[n:]))
        out[f"rel{lag:g}"] = rel
    ab = _angle_deg(est, true)
    out["abs"] = np.abs(ab - np.median(ab))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=24, help="recordings per exercise")
    ap.add_argument("--seed", type=int, default=9_100_000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--settings", default="{}", help="CoreSettings overrides as JSON (to compare settings)"
    )
    args = ap.parse_args(argv)
    overrides = json.loads(args.settings)
    cfgs = {
        ex: [
            SimConfig(ex, reps=8, seed=args.seed + i, rate_hz=RATES_HZ[i % len(RATES_HZ)],
                      condition=CONDITIONS[i % len(CONDITIONS)])  # fmt: skip
            for i in range(args.n)
        ]
        for ex in EXERCISES
    }
    keys = [f"rel{lag:g}" for lag in LAGS_S] + ["abs"]
    print(
        f"thigh orientation error, degrees (p50 / p90 / p99), {args.n} recordings per exercise"
        + (f", settings {overrides}" if overrides else "")
    )
    print(f"{'exercise':20s}" + "".join(f"{k:>22s}" for k in keys))
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        for ex, group in cfgs.items():
            per = list(pool.map(errors, group, [overrides] * len(group)))
            row = f"{ex:20s}"
            for k in keys:
                p = np.percentile(np.concatenate([e[k] for e in per]), [50, 90, 99])
                row += f"{p[0]:8.2f}{p[1]:7.2f}{p[2]:7.2f}"
            print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
