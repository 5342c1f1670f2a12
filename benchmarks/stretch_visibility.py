"""How much of each thigh-only stretch rep can the thigh show? Misses by the weakest rep.

Usage:  .venv/bin/python benchmarks/stretch_visibility.py [DATASET ...] [--jobs 2]

For each thigh-only ``raised_leg_stretch`` recording of the datasets (folders
written by ``glidecount dataset``; without one, the tuning split ``--split tune
--seed 1 --n 120`` is written to a temporary folder), the recording is simulated again from its
``# seed=...`` metadata to get ``SimResult.thigh_up``, the thigh sensor's true
gravity direction. For every true rep it measures, from the true orientation
(no estimate in the way):

* ``out``: how far the thigh turned from where it rested just before the rep
  (the largest angle to the rest direction while the rep lasted), and
* ``back``: how far from that rest it was just after the rep (a release that
  stops short of where it began).

Each set is then binned by its weakest rep (smallest ``out``) and by its worst
return (largest ``back`` / ``out``), and the counter's exact-count rate is
printed per bin: if the misses gather where the thigh shows least, the limit is
the signal, not a rule. Last, the sets where every rep turns the thigh 5° or
more and comes back at least half way, against the others. Measurement only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.offline import analyze_chunk  # noqa: E402
from sensors.recording import read_recording  # noqa: E402
from sensors.sim.dataset import make_dataset  # noqa: E402
from sensors.sim.files import read_truth, simulate_again, truth_path  # noqa: E402

REST_S = 0.3  # the rest direction: the mean of this long before the rep (after: its end)
OUT_BINS_DEG = (0.0, 2.5, 3.5, 5.0, np.inf)
BACK_BINS = (0.0, 0.3, 0.5, np.inf)  # worst back / out of the set


def _mean_dir(t: np.ndarray, up: np.ndarray, t0: float, t1: float) -> np.ndarray:
    m = (t >= t0) & (t <= t1)
    v = up[m].mean(axis=0) if m.any() else up[int(np.searchsorted(t, t0).clip(0, len(t) - 1))]
    return v / np.linalg.norm(v)


def _deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.degrees(np.arccos(np.clip(a @ b, -1.0, 1.0)))


def one(path: str) -> tuple[str, int, int, float, float] | None:
    """(file, true count, counted, weakest rep's out deg, worst back / out), or None
    for a recording that is not a thigh-only stretch set (read once, in the worker)."""
    rec = read_recording(path)
    if rec.metadata.get("exercise") != "raised_leg_stretch" or rec.chunk.has_shank:
        return None
    truth = read_truth(path)
    res = simulate_again(rec, truth)
    assert res.thigh_up is not None and truth.reps
    t, up = res.chunk.t_s, res.thigh_up
    outs, backs = [], []
    for r in res.truth.reps:
        rest = _mean_dir(t, up, r.start_s - REST_S, r.start_s)
        m = (t >= r.start_s) & (t <= r.end_s)
        out = float(_deg(up[m], rest).max()) if m.any() else 0.0
        after = _mean_dir(t, up, r.end_s, r.end_s + REST_S)
        outs.append(out)
        backs.append(float(_deg(after[None, :], rest)[0]) / max(out, 1e-9))
    counted = analyze_chunk(rec.chunk, truth.exercise).summary.count
    return path, len(truth.reps), counted, min(outs), max(backs)


def _table(name: str, bins: tuple[float, ...], values: list[float], exact: list[bool]) -> None:
    print(f"\n{name:<24} sets  exact  exact%")
    for lo, hi in zip(bins[:-1], bins[1:], strict=True):
        sel = [e for v, e in zip(values, exact, strict=True) if lo <= v < hi]
        label = f"{lo:g}–{hi:g}" if np.isfinite(hi) else f"≥ {lo:g}"
        pct = f"{100 * sum(sel) / len(sel):5.1f}" if sel else "    -"
        print(f"{label:<24} {len(sel):4d}  {sum(sel):5d}  {pct}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("datasets", nargs="*", help="folders written by glidecount dataset")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    if not args.datasets:
        with tempfile.TemporaryDirectory(prefix="glidecount-visibility-") as tmp:
            make_dataset(tmp, 120, 1, "tune", args.jobs)
            return main([tmp, "--jobs", str(args.jobs)])
    files = [str(f) for d in args.datasets for f in sorted(Path(d).glob("*.csv"))
             if truth_path(f).exists()]  # fmt: skip
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        res = [r for r in pool.map(one, files, chunksize=4) if r is not None]
    if not res:
        print("no thigh-only raised_leg_stretch recordings in " + ", ".join(args.datasets))
        return 1
    exact = [r[1] == r[2] for r in res]
    print(f"{len(res)} thigh-only stretch sets, exact {sum(exact)} "
          f"({100 * sum(exact) / len(res):.1f} %)")  # fmt: skip
    outs = np.array([r[3] for r in res])
    print(f"weakest rep of a set, thigh turned (true orientation): median {np.median(outs):.1f}°, "
          f"10th percentile {np.percentile(outs, 10):.1f}°")  # fmt: skip
    _table("weakest rep out (deg)", OUT_BINS_DEG, [r[3] for r in res], exact)
    _table("worst back / out", BACK_BINS, [r[4] for r in res], exact)
    easy = [r[3] >= 5.0 and r[4] < 0.5 for r in res]
    for name, want in (("every rep ≥ 5° out and back by half", True), ("the others", False)):
        sel = [e for e, ok in zip(exact, easy, strict=True) if ok == want]
        pct = 100 * sum(sel) / len(sel) if sel else float("nan")
        print(f"{name}: {len(sel)} sets, exact {sum(sel)} ({pct:.1f} %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
