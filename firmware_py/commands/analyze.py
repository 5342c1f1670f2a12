"""``glidecount analyze``: count repetitions in recordings (CONTRACT §3)."""

from __future__ import annotations

import argparse
import json
import sys

from analysis.settings import AUTO, EXERCISES
from firmware_py.pipeline import analyze_file
from firmware_py.prescription import load_prescription
from sensors.errors import UserError

HELP = "count repetitions in recordings (JSON Lines with --json)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="recording(s), CONTRACT §2 CSV")
    p.add_argument(
        "--exercise",
        default=AUTO,
        choices=[AUTO, *EXERCISES],
        help="which exercise the set is (default: auto, recognised per file)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per file, per line")
    p.add_argument(
        "--prescription",
        metavar="FILE",
        help="JSON file overriding tempo/hold thresholds (see docs/counting.md)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        choices=(1, 2),
        default=None,
        help="processes per file: 2 reads and tracks in a second one while this one counts "
        "(default: 2 for recordings over 4 MB when two cores are free, else 1)",
    )


def _print_table(file: str, result: dict) -> None:
    print(
        f"{file}: {result['exercise']}  count={result['count']}  valid={result['valid_count']}  "
        f"too_fast={result['too_fast_count']}  short_hold={result['short_hold_count']}"
    )
    for i, r in enumerate(result["reps"], 1):
        flags = " ".join(f for f in ("too_fast", "short_hold") if r[f]) or "ok"
        phases = " ".join(f"{k}={v:.1f}" for k, v in r["phases_s"].items())
        print(
            f"  {i:3d}  {r['start_s']:8.2f}-{r['end_s']:8.2f} s  {phases}  "
            f"hold={r['hold_s']:.1f}s  rom={r['rom_deg']:.0f}°  {flags}"
        )


def run(args: argparse.Namespace) -> int:
    prescription = load_prescription(args.prescription) if args.prescription else None
    failed = 0
    for path in args.files:
        try:
            analysis = analyze_file(path, args.exercise, prescription, jobs=args.jobs)
        except UserError as err:
            print(f"glidecount analyze: error: {err}", file=sys.stderr)
            failed += 1
            continue
        result = analysis.contract_dict(path)
        if args.json:
            print(json.dumps(result), flush=True)
        else:
            _print_table(path, result)
    return 1 if failed else 0
