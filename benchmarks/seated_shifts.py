"""What tells a shift on the seat from a rep, in seated sets with the thigh alone.

Usage:  .venv/bin/python benchmarks/seated_shifts.py DATASET [DATASET ...]

For every seated (raise, kick) recording with the thigh sensor alone, runs the
counter with the two shift rules off (``seated_roll_rom_fraction`` and
``kick_flip_rom_fraction`` = 0), takes the reps its final review keeps, and
matches them to the true reps as ``glidecount eval`` does. Prints, for the
roll rule's limits (ROM under a fraction of the set's median, tilt ratio under
a limit) and for the kick flip rule's (ROM fraction, swing back under a
ratio, axis reversed), how many extras (no true rep) and how many true reps
each would remove. The sixteenth session chose the defaults from this table
on tuning splits 1-3, pauses-only seeds 41 and 43 and with_everyday-only seed
51 (docs/counting.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.core import RepCounter, _consensus  # noqa: E402
from analysis.evaluate import match_reps  # noqa: E402
from analysis.reps import fits_exercise  # noqa: E402
from analysis.settings import SEATED_LEG_KICK, SEATED_LEG_RAISE, CoreSettings  # noqa: E402
from sensors.recording import read_recording  # noqa: E402

OFF = CoreSettings(seated_roll_rom_fraction=0.0, kick_flip_rom_fraction=0.0)
ROLL_LIMITS = [(0.35, 0.60), (0.35, 0.65), (0.50, 0.65), (0.35, 0.70), (0.50, 0.70)]
FLIP_LIMITS = [(0.5, 0.2), (0.5, 0.1), (1.0, 0.2), (0.35, 0.2)]


def _reps(path: str) -> list[dict[str, Any]]:
    """The kept reps of one seated thigh-only recording with their features."""
    truth = json.loads(Path(path + ".truth.json").read_text(encoding="utf-8"))
    exercise = truth.get("exercise")
    if exercise not in (SEATED_LEG_RAISE, SEATED_LEG_KICK):
        return []
    rec = read_recording(path)
    if rec.chunk.has_shank:
        return []
    counter = RepCounter(exercise, settings=OFF)
    counter.feed(rec.chunk)
    counter.finish()
    # the shapes behind the final reps (the review is deterministic: run it again)
    kept = [sh for sh in counter._review_sets(exercise) if fits_exercise(sh, OFF, exercise)]
    detected = [{"start_s": r.start_s, "end_s": r.end_s} for r in counter.reps]
    if len(kept) != len(detected) or not kept:
        return []
    matched = {i for i, _ in match_reps(detected, truth["reps"])}
    # the recording's axis: the kept rep most others agree with (the review's own
    # vote, here over the whole recording rather than set by set)
    kick = exercise == SEATED_LEG_KICK
    best = _consensus(kept, lambda a, b: counter._agree(a, b, kick))
    median_deg = float(np.median([sh.rom_deg for sh in kept]))
    out = []
    for i, sh in enumerate(kept):
        reversed_axis = (
            sh.axis is not None
            and best.axis is not None
            and float(np.dot(sh.axis, best.axis)) < -counter._axis_cos
        )
        out.append(
            {
                "kick": kick,
                "extra": i not in matched,
                "rom_fraction": sh.rom_deg / median_deg if median_deg > 0 else 1.0,
                "tilt_ratio": sh.tilt_ratio,
                "back_ratio": sh.back_ratio,
                "reversed": reversed_axis,
                "sets": len(kept),
            }
        )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("datasets", nargs="+")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    files = [str(p) for d in args.datasets for p in sorted(Path(d).glob("*.csv"))
             if p.with_suffix(".csv.truth.json").exists()]  # fmt: skip
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        reps = [r for rs in pool.map(_reps, files, chunksize=4) for r in rs]
    reps = [r for r in reps if r["sets"] >= 3]
    extras = sum(r["extra"] for r in reps)
    print(f"{len(reps)} reps kept in seated thigh-only sets of 3 or more, {extras} of them extras")
    print("\nroll: ROM under x median, tilt ratio under   extras removed   true reps lost")
    for frac, tilt in ROLL_LIMITS:
        hit = [r for r in reps if r["rom_fraction"] < frac and r["tilt_ratio"] < tilt]
        print(f"  {frac:.2f}, {tilt:.2f}{'':30s}{sum(r['extra'] for r in hit):8d}"
              f"{sum(not r['extra'] for r in hit):17d}")  # fmt: skip
    kicks = [r for r in reps if r["kick"]]
    print("\nkick flip: ROM under x median, swing back under, axis reversed   extras   true")
    for frac, back in FLIP_LIMITS:
        hit = [
            r
            for r in kicks
            if r["reversed"] and r["rom_fraction"] < frac and r["back_ratio"] < back
        ]
        print(f"  {frac:.2f}, {back:.2f}{'':42s}{sum(r['extra'] for r in hit):6d}"
              f"{sum(not r['extra'] for r in hit):7d}")  # fmt: skip
    true_rev = sorted(round(r["back_ratio"], 2) for r in kicks if r["reversed"] and not r["extra"])
    print(f"\ntrue kicks about the reversed axis: {len(true_rev)}, swing back ratios {true_rev}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
