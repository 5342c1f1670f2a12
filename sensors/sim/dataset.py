"""make_dataset: many simulated recordings with a documented mix, plus ``index.csv``.

The mix (docs/simulator.md, "Dataset mix") differs between the ``tune`` and
``test`` splits in proportions, and their seeds never collide (tune seeds are
even, test seeds odd). The first recordings of every dataset cover each
condition once and each sample rate once, so even a small dataset spans the
whole matrix; the rest are drawn from the split's weights.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sensors.sim.config import CONDITIONS, SimConfig
from sensors.sim.truth import EXERCISES

INDEX_COLUMNS = (
    "file", "exercise", "condition", "reps", "rate_hz", "shank", "seed",
    "leg", "jitter", "gaps", "true_count", "true_valid", "duration_s",
)  # fmt: skip
RATES_HZ = (25.0, 50.0, 100.0, 200.0)


@dataclass(frozen=True)
class Mix:
    """The proportions one split is drawn from."""

    conditions: Mapping[str, float]
    exercises: Mapping[str, float]
    rates_hz: Mapping[float, float]
    p_shank: float
    p_left: float
    p_extra_jitter: float  # jitter/gaps on top of the condition's own
    p_extra_gaps: float
    p_clock_offset: float  # t_s starting far from 0 (device uptime)
    reps: tuple[int, int]


MIXES: dict[str, Mix] = {
    "tune": Mix(
        conditions={
            "normal": 0.20, "fast": 0.10, "short_hold": 0.07, "partial": 0.07, "fatigue": 0.07,
            "tremor": 0.07, "pauses": 0.07, "jitter_gaps": 0.08, "low_rate": 0.06,
            "high_rate": 0.05, "with_everyday": 0.08, "everyday_only": 0.08,
        },
        exercises={e: 1.0 / 3.0 for e in EXERCISES},
        rates_hz={25.0: 0.15, 50.0: 0.30, 100.0: 0.40, 200.0: 0.15},
        p_shank=0.3, p_left=0.4, p_extra_jitter=0.15, p_extra_gaps=0.10, p_clock_offset=0.3,
        reps=(5, 15),
    ),
    "test": Mix(
        conditions={
            "normal": 0.12, "fast": 0.10, "short_hold": 0.08, "partial": 0.09, "fatigue": 0.09,
            "tremor": 0.08, "pauses": 0.09, "jitter_gaps": 0.09, "low_rate": 0.06,
            "high_rate": 0.06, "with_everyday": 0.09, "everyday_only": 0.05,
        },
        exercises={"seated_leg_raise": 0.35, "seated_leg_kick": 0.30, "raised_leg_stretch": 0.35},
        rates_hz={25.0: 0.20, 50.0: 0.25, 100.0: 0.35, 200.0: 0.20},
        p_shank=0.5, p_left=0.5, p_extra_jitter=0.25, p_extra_gaps=0.20, p_clock_offset=0.5,
        reps=(4, 18),
    ),
}  # fmt: skip


def _pick(rng: np.random.Generator, weights: Mapping[object, float]) -> object:
    keys = list(weights)
    w = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=w / w.sum()))]


def dataset_configs(
    n: int, seed: int, split: str = "tune", condition: str | None = None
) -> list[SimConfig]:
    """The configs of a dataset (deterministic for n, seed, split and condition).

    ``condition``: every recording in that condition (an exercise set; for
    ``everyday_only``, no set), the rest of the mix as drawn: a condition-only
    split, to study one condition on more recordings than a mix holds of it.
    """
    if split not in MIXES:
        raise ValueError(f"split must be one of {tuple(MIXES)}")
    if condition is not None and condition not in CONDITIONS:
        raise ValueError(f"condition must be one of {tuple(CONDITIONS)}")
    mix = MIXES[split]
    split_bit = 0 if split == "tune" else 1
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 7919 + split_bit])
    cond_order = list(CONDITIONS)
    rng.shuffle(cond_order)
    cfgs = []
    for i in range(n):
        if i < len(cond_order):
            drawn = cond_order[i]
            exercise = EXERCISES[i % len(EXERCISES)]
        else:
            drawn = str(_pick(rng, mix.conditions))
            exercise = str(_pick(rng, mix.exercises))
        j = i - len(cond_order)
        rate = RATES_HZ[j] if 0 <= j < len(RATES_HZ) else float(_pick(rng, mix.rates_hz))  # type: ignore[arg-type]
        shank = bool(rng.uniform() < mix.p_shank) or i == len(cond_order)
        jitter = True if rng.uniform() < mix.p_extra_jitter else None
        gaps = True if rng.uniform() < mix.p_extra_gaps else None
        t0 = (
            float(np.round(rng.uniform(10.0, 5000.0), 3))
            if rng.uniform() < mix.p_clock_offset
            else 0.0
        )
        if condition is not None and drawn == "everyday_only":
            exercise = EXERCISES[i % len(EXERCISES)]  # (drawn without a set: give it one)
        cond = drawn if condition is None else condition
        cfgs.append(
            SimConfig(
                exercise=None if cond == "everyday_only" else exercise,
                reps=int(rng.integers(mix.reps[0], mix.reps[1] + 1)),
                seed=(int(seed) * 1_000_003 + i) * 2 + split_bit,
                rate_hz=rate,
                shank=shank,
                condition=cond,
                leg="left" if rng.uniform() < mix.p_left else "right",
                jitter=jitter,
                gaps=gaps,
                t0_s=t0,
            )
        )
    return cfgs


def _file_name(i: int, cfg: SimConfig) -> str:
    return f"rec{i:04d}_{cfg.exercise or 'none'}_{cfg.condition}.csv"


def _make_one(job: tuple[int, SimConfig, str]) -> dict[str, str]:
    from sensors.sim.engine import simulate
    from sensors.sim.files import write_result

    i, cfg, out_dir = job
    res = simulate(cfg)
    name = _file_name(i, cfg)
    write_result(res, os.path.join(out_dir, name))
    t = res.chunk.t_s
    return {
        "file": name,
        "exercise": cfg.exercise or "none",
        "condition": cfg.condition,
        "reps": str(res.truth.count),
        "rate_hz": f"{cfg.effective_rate_hz:g}",
        "shank": str(int(cfg.shank)),
        "seed": str(cfg.seed),
        "leg": cfg.leg,
        "jitter": str(int(bool(cfg.jitter if cfg.jitter is not None else cfg.profile.jitter))),
        "gaps": str(int(bool(cfg.gaps if cfg.gaps is not None else cfg.profile.gaps))),
        "true_count": str(res.truth.count),
        "true_valid": str(res.truth.valid_count),
        "duration_s": f"{float(t[-1] - t[0]):.2f}",
    }


def make_dataset(
    out_dir: str | os.PathLike[str],
    n: int,
    seed: int,
    split: str = "tune",
    jobs: int | None = None,
    condition: str | None = None,
) -> Path:
    """Write ``n`` recordings (+ truth sidecars) and ``index.csv`` into ``out_dir``.

    ``jobs`` worker processes (default: up to 2); returns the index path.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cfgs = dataset_configs(n, seed, split, condition)
    work = [(i, c, str(out)) for i, c in enumerate(cfgs)]
    jobs = jobs if jobs is not None else min(2, os.cpu_count() or 1)
    if jobs > 1 and n > 4:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            rows = list(pool.map(_make_one, work, chunksize=4))
    else:
        rows = [_make_one(w) for w in work]
    index = out / "index.csv"
    with open(index, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(INDEX_COLUMNS), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return index
