"""``glidecount dataset``: write many simulated recordings and an index (docs/simulator.md)."""

from __future__ import annotations

import argparse
import time

from sensors.errors import UserError
from sensors.sim.config import CONDITIONS
from sensors.sim.dataset import make_dataset

HELP = "write a simulated dataset (recordings, truth sidecars, index.csv) for tuning or testing"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--n", type=int, default=200, help="number of recordings (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="dataset seed (default 0)")
    parser.add_argument("--split", choices=("tune", "test"), default="tune", help="which mix")
    parser.add_argument(
        "--condition", choices=CONDITIONS, default=None,
        help="every recording in this condition (a condition-only split; the rest as the mix)",
    )  # fmt: skip
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default up to 2)")


def run(args: argparse.Namespace) -> int:
    if args.n < 1:
        raise UserError("--n must be at least 1")
    t0 = time.monotonic()
    try:
        index = make_dataset(
            args.out, args.n, args.seed, args.split, jobs=args.jobs, condition=args.condition
        )
    except OSError as err:
        raise UserError(f"{args.out}: cannot write: {err.strerror or err}") from None
    only = f", {args.condition} only" if args.condition else ""
    print(
        f"wrote {args.n} recordings ({args.split} split{only}, seed {args.seed}) and {index} "
        f"in {time.monotonic() - t0:.1f} s"
    )
    return 0
