"""``glidecount eval DATASET``: run the counter over a labelled dataset, print tables.

A dataset is a folder of recordings, each with a ``<file>.truth.json`` sidecar
(written by ``glidecount dataset`` / ``simulate`` / ``convert``). Each file is
analysed with its true exercise (count, tempo and hold scores) and again with
``--exercise auto`` (recognition score).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from analysis.evaluate import (
    FileScore,
    format_errors,
    format_intervals,
    format_table,
    score_file,
    summarize,
)
from analysis.events import Alert
from analysis.offline import analyze_chunk
from analysis.settings import AUTO, EXERCISES, SEATED_LEG_RAISE
from sensors.errors import UserError
from sensors.recording import read_recording

HELP = "score the counter on a labelled dataset (prints exact-count percentage, F1s, ...)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dataset", help="folder of recordings with .truth.json sidecars")
    p.add_argument(
        "--as-exercise",
        choices=EXERCISES,
        default=SEATED_LEG_RAISE,
        help="exercise to assume when the truth names none (real datasets)",
    )
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    p.add_argument("--json", metavar="FILE", help="also write per-file scores as JSON Lines")
    p.add_argument("--details", action="store_true", help="print one line per file")
    p.add_argument(
        "--errors",
        action="store_true",
        help="print the missed and extra reps (times, and everyday motion around them) per file",
    )


def _files(dataset: str) -> list[Path]:
    root = Path(dataset)
    if not root.is_dir():
        raise UserError(f"{dataset}: not a folder of recordings")
    files = sorted(p for p in root.glob("*.csv") if p.with_suffix(".csv.truth.json").exists())
    if not files:
        raise UserError(f"{dataset}: no recordings with .truth.json sidecars found")
    return files


def score_one(path: str, as_exercise: str) -> FileScore:
    """Analyse one file with its true exercise and with auto; score both."""
    truth = json.loads(Path(path + ".truth.json").read_text(encoding="utf-8"))
    rec = read_recording(path)
    exercise = truth.get("exercise") or as_exercise
    analysis = analyze_chunk(rec.chunk, exercise)
    known = analysis.contract_dict(path)
    alerts = [e.t_s for e in analysis.events if isinstance(e, Alert) and e.alert == "too_fast"]
    recognized = None
    if truth.get("exercise"):
        recognized = analyze_chunk(rec.chunk, AUTO).summary.exercise
    sensors = "thigh+shank" if rec.chunk.has_shank else "thigh"
    return score_file(path, truth, known, rec.duration_s, recognized, alerts, sensors)


def run(args: argparse.Namespace) -> int:
    files = _files(args.dataset)
    jobs = max(1, args.jobs)
    if jobs == 1:
        scores = [score_one(str(f), args.as_exercise) for f in files]
    else:
        with ProcessPoolExecutor(jobs) as pool:
            scores = list(pool.map(score_one, map(str, files), [args.as_exercise] * len(files)))
    groups: dict[str, list[FileScore]] = defaultdict(list)
    for s in scores:
        groups["all"].append(s)
        groups[f"exercise={s.exercise or 'none'}"].append(s)
        groups[f"condition={s.condition}"].append(s)
        groups[f"sensors={s.sensors}"].append(s)
        if s.exercise:
            groups[f"{s.exercise},{s.sensors}"].append(s)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] != "all", kv[0]))
    rows = [(name, summarize(g)) for name, g in ordered]
    print(f"dataset: {args.dataset}  ({len(files)} recordings)")
    print(format_table(rows))
    print(format_intervals("all", rows[0][1]))
    if args.details:
        for s in scores:
            print(
                f"{Path(s.file).name}: {s.exercise} {s.condition} true={s.true_count} "
                f"got={s.count} recog={s.recognized}",
                file=sys.stdout,
            )
    errors = format_errors(scores) if args.errors else ""
    if errors:
        print(errors)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            for s in scores:
                fh.write(
                    json.dumps(
                        {
                            "file": s.file,
                            "exercise": s.exercise,
                            "condition": s.condition,
                            "true_count": s.true_count,
                            "count": s.count,
                            "recognized": s.recognized,
                        }
                    )
                    + "\n"
                )
    return 0
