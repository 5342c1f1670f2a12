"""The ``glidecount`` command.

Each subcommand lives in its own module ``firmware_py.commands.<name>`` with
``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``. User mistakes
raise :class:`sensors.errors.UserError` and are printed as one line.
"""

from __future__ import annotations

import os

# Before numpy is imported (sensors imports it): numpy asks the kernel for
# transparent huge pages for every array over 4 MB, and where THP is in
# "madvise" mode each such first touch zeroes (and may compact) 2 MB. Reading
# and analysing a 3-hour recording spent about 0.5 s more kernel time so (median
# wall time 2.92 s against 2.45 s without; docs/counting.md). Set it to 1 to
# restore numpy's default.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

import argparse  # noqa: E402
import importlib  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402

from analysis._kernels import KernelNotBuilt  # noqa: E402
from sensors.errors import UserError  # noqa: E402

# Order is the order shown in --help.
COMMANDS: tuple[str, ...] = (
    "demo",
    "probe",
    "record",
    "simulate",
    "dataset",
    "convert",
    "analyze",
    "eval",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``only``, just that subcommand (so only its module is imported)."""
    parser = argparse.ArgumentParser(
        prog="glidecount",
        description=(
            "Counts sciatic nerve-gliding exercise repetitions from a thigh IMU. "
            "A home-exercise aid, not a diagnostic device."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS if only is None else (only,):
        try:
            mod = importlib.import_module(f"firmware_py.commands.{name}")
        except ModuleNotFoundError as err:  # a command still being written
            if err.name != f"firmware_py.commands.{name}":
                raise
            continue
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # importing every command costs ~0.2 s (pandas, the simulator): a run of one
    # command imports just its own module; --help and mistakes see them all
    only = argv[0] if argv and argv[0] in COMMANDS else None
    try:
        parser = build_parser(only)
    except KernelNotBuilt as err:  # a checkout not (re)built since a kernel changed
        print(f"glidecount: error: {err}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except UserError as err:
        print(f"glidecount {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"glidecount {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
