"""False repetitions per hour of everyday motion, on many simulated recordings.

Usage:  .venv/bin/python benchmarks/everyday_fp.py [--n 400] [--seed 8000000] [--mix test]

The test split holds only a few minutes of everyday-only motion (13
recordings, 16.7 min at n=240), too little to measure a rate of about one
false rep an hour. This simulates ``--n`` everyday-only recordings (walking,
turning, sitting down and standing up, leg jiggling, fidgeting, shifting in the
chair, crossing the legs, lying down, getting up) with the sample rates, shank
share, jitter, gaps and clock offsets of the chosen split's mix
(``sensors.sim.dataset.MIXES``), seeds ``--seed`` + i (none of them a seed of
the tune or test splits), analyses each one as every exercise and as ``auto``,
and prints false reps per hour by exercise and sensor set, with the recordings
that produced them.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.events import Alert  # noqa: E402
from analysis.offline import analyze_chunk  # noqa: E402
from analysis.settings import AUTO, EXERCISES  # noqa: E402
from sensors.sim import SimConfig, simulate  # noqa: E402
from sensors.sim.dataset import MIXES, RATES_HZ  # noqa: E402

MODES = (*EXERCISES, AUTO)


def configs(n: int, seed: int, mix_name: str) -> list[SimConfig]:
    """Everyday-only configs drawn from a split's mix (deterministic for n, seed, mix)."""
    mix = MIXES[mix_name]
    rng = np.random.default_rng([seed, 4242])
    rates = [r for r in RATES_HZ if r in mix.rates_hz]
    p = np.array([mix.rates_hz[r] for r in rates])
    out = []
    for i in range(n):
        out.append(
            SimConfig(
                None,
                seed=seed + i,
                condition="everyday_only",
                rate_hz=float(rates[int(rng.choice(len(rates), p=p / p.sum()))]),
                shank=bool(rng.uniform() < mix.p_shank),
                leg="left" if rng.uniform() < mix.p_left else "right",
                jitter=True if rng.uniform() < mix.p_extra_jitter else None,
                gaps=True if rng.uniform() < mix.p_extra_gaps else None,
                t0_s=float(np.round(rng.uniform(10.0, 5000.0), 3))
                if rng.uniform() < mix.p_clock_offset
                else 0.0,
            )
        )
    return out


def score(cfg: SimConfig) -> tuple[int, bool, float, dict[str, int], dict[str, int]]:
    """(seed, shank, duration_s, false reps per mode, "slow down" alerts per mode)."""
    res = simulate(cfg)
    t = res.chunk.t_s
    runs = {m: analyze_chunk(res.chunk, m) for m in MODES}
    counts = {m: a.summary.count for m, a in runs.items()}
    alerts = {
        m: sum(isinstance(e, Alert) and e.alert == "too_fast" for e in a.events)
        for m, a in runs.items()
    }
    return cfg.seed, cfg.shank, float(t[-1] - t[0]), counts, alerts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400, help="recordings (default 400)")
    parser.add_argument("--seed", type=int, default=8_000_000, help="first seed")
    parser.add_argument("--mix", choices=sorted(MIXES), default="test", help="split mix to copy")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    args = parser.parse_args(argv)
    cfgs = configs(args.n, args.seed, args.mix)
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        rows = list(pool.map(score, cfgs, chunksize=4))
    total_h = sum(r[2] for r in rows) / 3600
    print(
        f"{len(rows)} everyday-only recordings ({args.mix} mix, seeds {args.seed}.."
        f"{args.seed + args.n - 1}), {total_h:.2f} h"
    )

    def rates(sel: list, col: int, hours: float, digits: int) -> str:
        """Per mode: the total of column ``col`` over ``sel`` and its rate per hour."""
        if not hours:
            return "".join(f"{'-':>20s}" for _ in MODES)
        totals = [sum(r[col][m] for r in sel) for m in MODES]
        return "".join(f"{n:>8d} ({n / hours:5.{digits}f}/h)" for n in totals)

    print(f"{'sensors':14s}{'hours':>7s}" + "".join(f"{m:>20s}" for m in MODES))
    for name, keep in (("all", None), ("thigh", False), ("thigh+shank", True)):
        sel = [r for r in rows if keep is None or r[1] == keep]
        hours = sum(r[2] for r in sel) / 3600
        print(f"{name:14s}{hours:7.2f}{rates(sel, 3, hours, 1)}")
    print(
        f"{'slow downs':14s}{total_h:7.2f}{rates(rows, 4, total_h, 0)}"
        "   (live 'slow down' during everyday motion: no exercise, so every one is false)"
    )
    worst = [r for r in rows if any(r[3].values())]
    if worst:
        print("recordings with false reps (seed: count per " + ", ".join(MODES) + "):")
        for seed, shank, _, counts, _ in worst:
            tag = "thigh+shank" if shank else "thigh"
            print(f"  {seed} {tag}: " + " ".join(str(counts[m]) for m in MODES))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
