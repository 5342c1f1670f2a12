"""``glidecount simulate``: write one simulated recording (CSV + truth sidecar)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sensors.errors import UserError
from sensors.sim.config import CONDITIONS, SimConfig
from sensors.sim.engine import simulate
from sensors.sim.files import write_result
from sensors.sim.truth import EXERCISES

HELP = "simulate a patient doing a set with a thigh IMU; write the CSV and its truth"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--exercise", required=True, help=f"{' | '.join(EXERCISES)} | none")
    parser.add_argument("--reps", type=int, default=12, help="repetitions in the set (default 12)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--rate", type=float, default=100.0, help="sample rate in Hz (default 100)")
    parser.add_argument("--shank", action="store_true", help="add a second sensor on the shank")
    parser.add_argument(
        "--condition", default="normal", help=f"one of: {', '.join(CONDITIONS)} (default normal)"
    )
    parser.add_argument("--leg", choices=("left", "right"), default="right")
    parser.add_argument(
        "--out", required=True, help="CSV file to write (truth goes to FILE.truth.json)"
    )


def run(args: argparse.Namespace) -> int:
    exercise = None if args.exercise == "none" else args.exercise
    try:
        cfg = SimConfig(
            exercise=exercise,
            reps=args.reps,
            seed=args.seed,
            rate_hz=args.rate,
            shank=args.shank,
            condition=args.condition,
            leg=args.leg,
        )
    except ValueError as err:
        raise UserError(str(err)) from None
    res = simulate(cfg)
    try:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        sidecar = write_result(res, args.out)
    except OSError as err:
        raise UserError(f"{args.out}: cannot write: {err.strerror or err}") from None
    tr = res.truth
    t = res.chunk.t_s
    fast = sum(r.too_fast for r in tr.reps)
    short = sum(r.short_hold for r in tr.reps)
    print(
        f"wrote {args.out}: {res.metadata['exercise']}, {tr.count} reps "
        f"({tr.valid_count} valid, {fast} too fast, {short} short hold), "
        f"condition {cfg.condition}, {cfg.effective_rate_hz:g} Hz, {t[-1] - t[0]:.1f} s, "
        f"{len(t)} samples; truth in {sidecar}"
    )
    return 0
