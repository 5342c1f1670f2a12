"""``glidecount convert``: public datasets -> CONTRACT §2 recordings + truth sidecars.

Writes ``<name>.csv`` (g, deg/s, metadata comments), ``<name>.csv.truth.json``
and an ``index.csv`` listing every file written. See docs/recordings.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from sensors import datasets as ds
from sensors.errors import UserError
from sensors.recording import write_recording

HELP = "convert the public datasets (shared/data) into recordings with truth sidecars"

DEFAULT_DATA_ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "data"
DATASETS = ("yurtman", "hugadb", "eurobench", "mex")
INDEX_COLUMNS = (
    "file", "source", "subject", "dataset_exercise", "session",
    "expected_count", "has_shank", "rate_hz", "samples", "truth",
)  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset",
        choices=(*DATASETS, "all"),
        default="all",
        help="which dataset to convert (default: all; mex is always skipped: no gyroscope)",
    )
    parser.add_argument("--out", required=True, type=Path, help="output directory")
    parser.add_argument(
        "--data-root",
        type=Path,
        default=DEFAULT_DATA_ROOT,
        help="folder holding the dataset folders (default: <repo>/../shared/data)",
    )
    parser.add_argument(
        "--subject", nargs="+", action="extend", choices=ds.YURTMAN_SUBJECTS,
        help="yurtman only: subjects to convert (default: all)",
    )  # fmt: skip
    parser.add_argument(
        "--exercise", nargs="+", action="extend", choices=tuple(ds.YURTMAN_EXERCISES),
        help="yurtman only: exercise codes to convert (default: all)",
    )  # fmt: skip
    parser.add_argument(
        "--session", nargs="+", action="extend", choices=ds.YURTMAN_SESSIONS,
        help="yurtman only: sessions to convert (default: test and template)",
    )  # fmt: skip


Maker = Callable[[], Iterator[ds.Converted]]


def _sources(args: argparse.Namespace, root: Path) -> dict[str, Maker]:
    """Dataset name -> generator of converted recordings (folders checked first)."""
    chosen = DATASETS if args.dataset == "all" else (args.dataset,)
    folders = {"yurtman": ds.YURTMAN_DIR, "hugadb": ds.HUGADB_DIR, "eurobench": ds.EUROBENCH_DIR}
    for name in chosen:
        if name in folders:
            ds.require_dir(root / folders[name])
    makers: dict[str, Maker] = {
        "yurtman": lambda: ds.iter_yurtman(
            root / ds.YURTMAN_DIR,
            tuple(dict.fromkeys(args.subject or ds.YURTMAN_SUBJECTS)),
            tuple(dict.fromkeys(args.exercise or ds.YURTMAN_EXERCISES)),
            tuple(dict.fromkeys(args.session or ds.YURTMAN_SESSIONS)),
        ),
        "hugadb": lambda: ds.iter_hugadb(root / ds.HUGADB_DIR),
        "eurobench": lambda: ds.iter_eurobench(root / ds.EUROBENCH_DIR),
    }
    return {name: makers[name] for name in chosen if name in makers}


def dump_truth(truth: dict[str, object]) -> str:
    """JSON with one top-level key per line and one list item (e.g. a rep) per line."""
    lines = []
    for key, value in truth.items():
        if isinstance(value, list) and value:
            items = ",\n".join(f"  {json.dumps(v)}" for v in value)
            text = f"[\n{items}\n ]"
        else:
            text = json.dumps(value)
        lines.append(f" {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _write(item: ds.Converted, out: Path) -> dict[str, object]:
    """Write one recording and its sidecar; return its index row."""
    csv_name = f"{item.name}.csv"
    truth_name = f"{csv_name}.truth.json"
    write_recording(out / csv_name, item.chunk, item.metadata)
    (out / truth_name).write_text(dump_truth(item.truth), encoding="utf-8")
    return {
        "file": csv_name,
        "source": item.source,
        "subject": item.subject,
        "dataset_exercise": item.dataset_exercise,
        "session": item.session,
        "expected_count": item.expected_count,
        "has_shank": int(item.chunk.has_shank),
        "rate_hz": f"{item.rate_hz:.3f}",
        "samples": len(item.chunk),
        "truth": truth_name,
    }


def _merge_index(out: Path, rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """This run's rows after the rows of an earlier index whose files still exist."""
    path = out / "index.csv"
    if not path.is_file():
        return rows
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != INDEX_COLUMNS:
            return rows  # not ours (or an older layout): start afresh
        new = {r["file"] for r in rows}
        kept: list[dict[str, object]] = [
            dict(r) for r in reader if r["file"] not in new and (out / r["file"]).is_file()
        ]
    return kept + rows


def run(args: argparse.Namespace) -> int:
    root: Path = args.data_root
    ds.require_dir(root)
    sources = _sources(args, root)
    out: Path = args.out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"{out}: cannot create the output directory ({err.strerror})") from None
    rows: list[dict[str, object]] = []
    try:
        for name, make in sources.items():
            files = samples = with_reps = 0
            warned: list[str] = []
            for item in make():
                rows.append(_write(item, out))
                files += 1
                samples += len(item.chunk)
                with_reps += bool(item.truth.get("reps"))
                if "quality_warning" in item.metadata:
                    warned.append(item.name)
            note = f"; quality warning: {', '.join(warned)}" if warned else ""
            print(
                f"{name}: {files} files, {samples} samples, "
                f"{with_reps} with per-rep truth -> {out}{note}"
            )
        if args.dataset in ("mex", "all"):
            print(f"mex: skipped ({ds.MEX_SKIP_REASON})")
        if args.dataset == "all":
            print(f"cmu: skipped ({ds.CMU_SKIP_REASON})")
        rows = _merge_index(out, rows)
        with open(out / "index.csv", "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=INDEX_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    except OSError as err:
        where = err.filename or out
        raise UserError(f"{os.fspath(where)}: cannot write ({err.strerror})") from None
    print(f"index: {out / 'index.csv'} ({len(rows)} recordings)")
    return 0
