"""Run every benchmark script in ``benchmarks/`` in turn (``make bench``).

Usage:  .venv/bin/python benchmarks/run_all.py [--only NAME ...]

Known scripts run first in a fixed order (fifo_decode.py, core_speed.py,
sim_vs_real.py), then any other ``benchmarks/*.py``. Each runs as its own
process with this interpreter, from the repository root; its output is passed
through. A script that fails does not stop the others; the exit status is 1
if any failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ORDER = ("fifo_decode.py", "core_speed.py", "sim_vs_real.py")


def scripts(only: list[str] | None = None) -> list[Path]:
    """The benchmark scripts to run, known ones first, in a stable order."""
    found = {p.name: p for p in HERE.glob("*.py") if p.name != Path(__file__).name}
    names = [n for n in ORDER if n in found] + sorted(n for n in found if n not in ORDER)
    if only:
        wanted = {n if n.endswith(".py") else f"{n}.py" for n in only}
        unknown = wanted - set(found)
        if unknown:
            raise SystemExit(f"run_all: no such benchmark: {', '.join(sorted(unknown))}")
        names = [n for n in names if n in wanted]
    return [found[n] for n in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these scripts")
    args = parser.parse_args(argv)
    failed: list[str] = []
    for script in scripts(args.only):
        print(f"\n=== {script.name} " + "=" * max(3, 66 - len(script.name)), flush=True)
        t0 = time.monotonic()
        rc = subprocess.run([sys.executable, str(script)], cwd=ROOT).returncode
        status = "ok" if rc == 0 else f"FAILED (exit {rc})"
        print(f"--- {script.name}: {status} in {time.monotonic() - t0:.1f} s", flush=True)
        if rc != 0:
            failed.append(script.name)
    if failed:
        print(f"\nrun_all: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
