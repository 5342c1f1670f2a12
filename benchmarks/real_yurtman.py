"""Counting on real data: Yurtman & Barshan seated knee extensions (CONTRACT §1 raise).

Each test session holds 30 reps: 10 correct, 10 fast, 10 low-amplitude, in that
order (per the dataset's description). Subject 1 also has per-rep boundaries
(unofficial), so its fast reps are matched by time; for the others the fast block
is taken as reps 11-20 of the detected sequence. Thigh + shank, then thigh alone.

Run: .venv/bin/python benchmarks/real_yurtman.py [DATA_ROOT]
"""

from __future__ import annotations

import sys
from pathlib import Path

from analysis.evaluate import match_reps
from analysis.offline import analyze_chunk
from firmware_py.commands.convert import DEFAULT_DATA_ROOT
from sensors.chunk import ImuChunk
from sensors.datasets import load_yurtman

EXERCISE = "seated_leg_raise"


def main() -> int:
    root = Path(sys.argv[1]) / "yurtman-barshan-physical-therapy" if len(sys.argv) > 1 else (
        DEFAULT_DATA_ROOT / "yurtman-barshan-physical-therapy"
    )
    print(f"{'session':<22}{'thigh+shank':>12}{'fast flagged':>20}{'thigh only':>12}")
    ok_pair = ok_thigh = True
    for subject in ("s1", "s2", "s3", "s4"):
        conv = load_yurtman(root, subject, "e1", "test")
        c = conv.chunk
        both = analyze_chunk(c, EXERCISE).contract_dict(conv.name)
        reps = both["reps"]
        truth = conv.truth.get("reps", [])
        if truth:
            pairs = match_reps(reps, truth)
            fast = [i for i, j in pairs if truth[j].get("execution") == "fast"]
            flagged = f"{sum(reps[i]['too_fast'] for i in fast)}/{len(fast)} (by time)"
        else:
            block = reps[10:20]
            flagged = f"{sum(r['too_fast'] for r in block)}/{len(block)} (11-20)"
        thigh = ImuChunk(c.t_s, c.accel_g, c.gyro_dps)
        alone = analyze_chunk(thigh, EXERCISE).summary.count
        ok_pair &= abs(both["count"] - 30) <= 1
        ok_thigh &= abs(alone - 30) <= 2
        print(f"{conv.name:<22}{both['count']:>9}/30{flagged:>20}{alone:>9}/30")
    print(f"thigh+shank within ±1 on every subject: {ok_pair}; thigh alone within ±2: {ok_thigh}")
    return 0 if ok_pair and ok_thigh else 1


if __name__ == "__main__":
    sys.exit(main())
