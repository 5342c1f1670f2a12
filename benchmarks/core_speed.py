"""How fast and how lean the counting core is: streaming, offline ``analyze``, memory.

Usage:  .venv/bin/python benchmarks/core_speed.py [--minutes 10] [--hours 3] [--repeat 3]

Rows:
* (a) streaming: :class:`analysis.core.RepCounter` fed a simulated 100 Hz
  recording (exercise sets with walking/sitting around them, and everyday
  motion; ~``--minutes`` long) in 0.1 s chunks (as the device feeds it) and in
  1 s chunks, thigh only and thigh + shank. ``x real time`` = stream seconds
  per wall second, on ONE core.
* (b) offline: a ``--hours`` long 100 Hz recording (the same motion repeated
  on a continuous clock) written with ``write_recording``; ``read_recording``
  and ``analyze_chunk`` timed separately and together, and ``glidecount
  analyze FILE --json`` end to end as a subprocess (interpreter start-up and
  imports included; start-up alone is shown too), pinned to one core and
  again on two, where it runs its two stages in two processes
  (``firmware_py/pipeline.py``; cpu s then counts both).
* Like ``glidecount`` itself, the script runs numpy without transparent huge
  pages (``NUMPY_MADVISE_HUGEPAGE=0`` unless set; see firmware_py/cli.py).
* (c) memory: a child process streams ``--minutes`` and ``--hours`` of motion
  in 1 s chunks: peak RSS while streaming (VmHWM reset after set-up), the
  counter's retained state (deep size of its object graph) and, unless
  ``--no-tracemalloc``, the tracemalloc peak of the streaming loop.

The process (and its children) is pinned to one core with
``os.sched_setaffinity`` where available. Timings are the best of
``--repeat`` runs (the machine is shared).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path

# as ``glidecount`` runs (firmware_py/cli.py): no transparent huge pages for numpy's
# large arrays, whose first touch cost analyze about 0.5 s of kernel time here
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.core import RepCounter  # noqa: E402
from analysis.offline import analyze_chunk  # noqa: E402
from sensors.chunk import ImuChunk  # noqa: E402
from sensors.recording import read_recording, write_recording  # noqa: E402
from sensors.sim import EXERCISES, SimConfig, simulate  # noqa: E402

RATE_HZ = 100.0
THREAD_VARS = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "OPENBLAS_MAIN_FREE",
)


ALL_CPUS: set[int] = set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else set()


def pin_one_core() -> str:
    """Pin this process (and future children) to one CPU; say which."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def _all_cores() -> None:
    """In a child before exec: undo the pinning (the two-process analyze row)."""
    os.sched_setaffinity(0, ALL_CPUS)


# -- the simulated motion ----------------------------------------------------------------


def build_base(minutes: float, shank: bool) -> ImuChunk:
    """At least ``minutes`` of 100 Hz motion on one continuous clock.

    Exercise sets of each exercise with walking, sitting down and standing up
    around them, alternating with everyday-only recordings. The strap is
    aligned in every piece so the joins are not re-strappings.
    """
    parts: list[ImuChunk] = []
    t0, k = 0.0, 0
    while t0 < minutes * 60.0:
        if k % 4 == 3:
            cfg = SimConfig(None, seed=k, condition="everyday_only", shank=shank)
        else:
            cfg = SimConfig(
                EXERCISES[k % 3], reps=8 + k % 5, seed=k, condition="with_everyday", shank=shank
            )
        cfg = cfg.with_(rate_hz=RATE_HZ, strap="aligned")
        c = simulate(cfg).chunk
        t = c.t_s - c.t_s[0] + t0
        parts.append(ImuChunk(t, c.accel_g, c.gyro_dps, c.shank_accel_g, c.shank_gyro_dps))
        t0 = float(t[-1]) + 1.0 / RATE_HZ
        k += 1
    return ImuChunk.concat(parts)


def period_s(base: ImuChunk) -> float:
    return float(base.t_s[-1] - base.t_s[0]) + 1.0 / RATE_HZ


def tiled(base: ImuChunk, seconds: float) -> ImuChunk:
    """``base`` repeated on a continuous clock, cut at ``seconds``."""
    n = int(np.ceil(seconds / period_s(base)))
    whole = ImuChunk.concat(
        [
            ImuChunk(
                base.t_s + k * period_s(base),
                base.accel_g,
                base.gyro_dps,
                base.shank_accel_g,
                base.shank_gyro_dps,
            )
            for k in range(n)
        ]
    )
    return whole.slice(0, int(np.searchsorted(whole.t_s, seconds)))


def chunks_of(base: ImuChunk, seconds: float, chunk_s: float) -> Iterator[ImuChunk]:
    """``base`` repeated for ``seconds``, lazily, in ``chunk_s`` pieces (constant memory)."""
    per = period_s(base)
    step = max(1, round(chunk_s * RATE_HZ))
    k = 0
    while True:
        for i in range(0, len(base), step):
            c = base.slice(i, i + step)
            t = c.t_s + k * per
            if t[0] >= seconds:
                return
            yield ImuChunk(t, c.accel_g, c.gyro_dps, c.shank_accel_g, c.shank_gyro_dps)
        k += 1


# -- helpers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Wall and CPU seconds (CPU includes finished child processes)."""

    wall_s: float
    cpu_s: float


def _cpu_s() -> float:
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ch.ru_utime + ch.ru_stime


def best_of(fn: Callable[[], object], repeat: int) -> Timing:
    """The fastest (by wall time) of ``repeat`` calls of ``fn``."""
    best = Timing(float("inf"), float("inf"))
    for _ in range(max(1, repeat)):
        gc.collect()
        c0, t0 = _cpu_s(), time.perf_counter()
        fn()
        t = Timing(time.perf_counter() - t0, _cpu_s() - c0)
        best = min(best, t, key=lambda x: x.wall_s)
    return best


def row(what: str, stream: str, t: Timing, dur_s: float | None, note: str = "") -> tuple[str, ...]:
    """One table row: wall and CPU seconds, and x real time (stream s per wall s)."""
    xrt = f"{dur_s / t.wall_s:,.0f}" if dur_s else "-"
    return (what, stream, f"{t.wall_s:.2f}", f"{t.cpu_s:.2f}", xrt, note)


def retained_bytes(obj: object, _seen: set[int] | None = None) -> int:
    """Deep size of an object graph (numpy buffers by nbytes; shared objects once).

    Also used by tests/test_core_stream.py for its constant-memory check.
    """
    seen = _seen if _seen is not None else set()
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        base = obj if obj.base is None else obj.base
        extra = 0
        if id(base) not in seen and isinstance(base, np.ndarray):
            seen.add(id(base))
            extra = base.nbytes
        return sys.getsizeof(obj) + extra
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(retained_bytes(k, seen) + retained_bytes(v, seen) for k, v in obj.items())
        return size
    if isinstance(obj, list | tuple | set | frozenset):
        return size + sum(retained_bytes(x, seen) for x in obj)
    # the fields of a compiled (Cython) class: the counter's per-sample state lives there
    # (analysis/_loop.pyx), outside its __dict__
    for name in _c_fields(type(obj)):
        size += retained_bytes(getattr(obj, name), seen)
    if hasattr(obj, "__dict__"):
        size += retained_bytes(vars(obj), seen)
    elif is_dataclass(obj):
        size += sum(retained_bytes(getattr(obj, f.name), seen) for f in fields(obj))
    return size


def _c_fields(cls: type) -> list[str]:
    """Names of the C-level attributes of ``cls`` and its bases (getset/member descriptors)."""
    kinds = (types.GetSetDescriptorType, types.MemberDescriptorType)
    return [
        name
        for klass in cls.__mro__
        if klass.__module__ not in ("builtins",)
        for name, v in vars(klass).items()
        if isinstance(v, kinds) and name not in ("__dict__", "__weakref__")
    ]


def _proc_status_kb(key: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM (Linux >= 4.0)
        return True
    except OSError:
        return False


# -- (a) streaming speed -------------------------------------------------------------------


def bench_stream(bases: dict[bool, ImuChunk], repeat: int) -> list[tuple[str, ...]]:
    rows = []
    for shank, base in bases.items():
        for chunk_s in (0.1, 1.0):
            step = round(chunk_s * RATE_HZ)
            pieces = [base.slice(i, i + step) for i in range(0, len(base), step)]

            def run(pieces: list[ImuChunk] = pieces) -> int:
                counter = RepCounter("auto")
                for p in pieces:
                    counter.feed(p)
                return len(counter.finish())

            t = best_of(run, repeat)
            dur = period_s(base)
            sensors = "thigh+shank" if shank else "thigh"
            us = t.wall_s / len(pieces) * 1e6
            rows.append(
                row(
                    f"stream {chunk_s:g} s chunks, {sensors}",
                    f"{dur / 60:.1f} min",
                    t,
                    dur,
                    f"{us:,.0f} us/chunk",
                )
            )
    return rows


# -- (b) offline analyze -------------------------------------------------------------------------


def bench_offline(
    base: ImuChunk, hours: float, repeat: int, tmp: Path
) -> tuple[list[tuple[str, ...]], dict[str, int]]:
    """Rows for (b), and the rep counts found in-process and by the CLI."""
    rec_chunk = tiled(base, hours * 3600.0)
    dur = float(rec_chunk.t_s[-1] - rec_chunk.t_s[0])
    n = len(rec_chunk)
    path = tmp / "long.csv"
    meta = {"rate_hz": f"{RATE_HZ:g}", "sensor": "sim"}
    t_write = best_of(lambda: write_recording(path, rec_chunk, meta), 1)
    mb = path.stat().st_size / 1e6
    label = f"{dur / 3600:.1f} h"
    rows = [row(f"write_recording ({mb:.0f} MB CSV)", label, t_write, dur, f"{n:,} samples")]
    t_read = best_of(lambda: read_recording(path), repeat)
    rows.append(row("read_recording", label, t_read, dur, f"{mb / t_read.wall_s:.0f} MB/s"))
    chunk = read_recording(path).chunk
    counts: dict[str, int] = {}
    for exercise in ("auto", "seated_leg_raise"):

        def an(ex: str = exercise) -> None:
            counts[ex] = analyze_chunk(chunk, ex).summary.count

        t_an = best_of(an, repeat)
        rows.append(
            row(f"analyze_chunk, exercise={exercise}", label, t_an, dur, f"{counts[exercise]} reps")
        )
        if exercise == "auto":
            both = Timing(t_read.wall_s + t_an.wall_s, t_read.cpu_s + t_an.cpu_s)
            rows.append(row("read_recording + analyze_chunk (auto)", label, both, dur))
    cli = [sys.executable, "-m", "firmware_py.cli", "analyze"]
    out: dict[str, str] = {}

    def e2e() -> None:
        p = subprocess.run(
            [*cli, str(path), "--json"], check=True, capture_output=True, text=True, cwd=ROOT
        )
        out["stdout"] = p.stdout

    t_start = best_of(
        lambda: subprocess.run([*cli, "--help"], check=True, capture_output=True, cwd=ROOT), repeat
    )
    rows.append(row("glidecount analyze --help (start-up)", "-", t_start, None))
    t_e2e = best_of(e2e, repeat)
    counts["cli"] = json.loads(out["stdout"])["count"]
    rows.append(row("glidecount analyze FILE --json", label, t_e2e, dur, f"{counts['cli']} reps"))
    if len(ALL_CPUS) >= 2:
        # the same command on two cores: by default it then reads and tracks in a
        # second process while the first counts (firmware_py/pipeline.py)

        def e2e_two() -> None:
            p = subprocess.run(
                [*cli, str(path), "--json"], check=True, capture_output=True, text=True,
                cwd=ROOT, preexec_fn=_all_cores,
            )  # fmt: skip
            out["stdout2"] = p.stdout

        t_two = best_of(e2e_two, repeat)
        counts["cli2"] = json.loads(out["stdout2"])["count"]
        rows.append(
            row("  the same, two cores (--jobs 2)", label, t_two, dur, f"{counts['cli2']} reps")
        )
    return rows, counts


# -- (c) memory (child processes) ---------------------------------------------------------------


def child_stream(base_npz: str, seconds: float, use_tracemalloc: bool) -> None:
    """Stream ``seconds`` of the saved base motion in 1 s chunks; print a JSON result."""
    z = np.load(base_npz)
    base = ImuChunk(z["t_s"], z["accel_g"], z["gyro_dps"])
    counter = RepCounter("auto")
    gc.collect()
    rss0 = _proc_status_kb("VmRSS")
    hwm_reset = _reset_peak_rss()
    if use_tracemalloc:
        tracemalloc.start()
    t0 = time.perf_counter()
    for c in chunks_of(base, seconds, 1.0):
        counter.feed(c)
    wall = time.perf_counter() - t0
    peak_traced = tracemalloc.get_traced_memory()[1] if use_tracemalloc else None
    if use_tracemalloc:
        tracemalloc.stop()
    gc.collect()
    hwm = _proc_status_kb("VmHWM") if hwm_reset else None
    if hwm is None:
        hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "rss_before_kb": rss0,
                "peak_rss_kb": hwm,
                "hwm_reset": hwm_reset,
                "state_bytes": retained_bytes(counter, {id(counter.reps)}),
                "reps_bytes": retained_bytes(counter.reps),
                "reps": len(counter.reps),
                "excursions": len(getattr(counter, "excursions", None) or []),
                "peak_traced": peak_traced,
                "wall_s": wall,
            }
        )
    )


def bench_memory(
    base: ImuChunk, minutes: float, hours: float, use_tracemalloc: bool, tmp: Path
) -> list[tuple[str, ...]]:
    npz = tmp / "base.npz"
    np.savez(npz, t_s=base.t_s, accel_g=base.accel_g, gyro_dps=base.gyro_dps)
    rows = []
    for seconds in (minutes * 60.0, hours * 3600.0):
        modes = [False, True] if use_tracemalloc else [False]
        res: dict[bool, dict] = {}
        for tm in modes:
            cmd = [sys.executable, __file__, "--child-stream", str(seconds), "--base", str(npz)]
            p = subprocess.run(
                cmd + (["--tracemalloc"] if tm else []), check=True, capture_output=True, text=True
            )
            res[tm] = json.loads(p.stdout.splitlines()[-1])
        r = res[False]
        label = f"{seconds / 60:.0f} min" if seconds < 3600 else f"{seconds / 3600:.1f} h"
        traced = f"{res[True]['peak_traced'] / 1e6:.1f} MB" if use_tracemalloc else "-"
        rss_growth = (r["peak_rss_kb"] - r["rss_before_kb"]) / 1e3 if r["rss_before_kb"] else None
        rows.append(
            (
                label,
                f"{r['peak_rss_kb'] / 1e3:.0f} MB"
                + (f" (+{rss_growth:.1f})" if rss_growth else ""),
                traced,
                f"{r['state_bytes'] / 1e6:.2f} MB",
                f"{r['reps_bytes'] / 1e6:.2f} MB ({r['reps']} reps)",
                str(r["excursions"]),
            )
        )
    return rows


# -- main ------------------------------------------------------------------------------------------


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def table(head: tuple[str, ...], rows: list[tuple[str, ...]], widths: tuple[int, ...]) -> str:
    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            f"{c:<{w}}" if i == 0 else f"{c:>{w}}"
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    out = [line(head), "-" * len(line(head))]
    out += [line(r) for r in rows]
    return "\n".join(out)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def machine_reference(repeat: int = 5) -> str:
    """A fixed workload of the live path's kind, to compare machines (and days).

    The live core's cost is Python and small-numpy call overhead, which differs
    a lot between machines (and hours) of the same name: the same code ran at
    1,392x on one session's machine and 768x on the next. Best of ``repeat``.
    """
    def py_loop() -> float:
        acc = 0.0
        for i in range(200_000):
            acc += (i * 0.5) * 1.000001
        return acc

    small = np.ones((3, 6))

    def np_calls() -> None:
        for _ in range(20_000):
            np.add(small, small)

    def best_ns(fn: Callable[[], object], n_ops: int) -> float:
        fn()  # warm up
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
        return best / n_ops * 1e9

    return (
        f"machine: {_cpu_model()}; reference: Python loop step {best_ns(py_loop, 200_000):.0f} ns, "
        f"small numpy call {best_ns(np_calls, 20_000):.0f} ns (lower = faster machine)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="streaming length (a, c)")
    parser.add_argument("--hours", type=float, default=3.0, help="offline recording (b, c)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best kept)")
    parser.add_argument("--repeat-long", type=int, default=1, help="the same for (b)")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the slow traced runs")
    parser.add_argument("--child-stream", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--tracemalloc", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_stream is not None:
        child_stream(args.base, args.child_stream, args.tracemalloc)
        return 0

    pinned = pin_one_core()
    env = ", ".join(f"{k}={os.environ[k]}" for k in THREAD_VARS if k in os.environ) or "none set"
    print(
        f"core_speed: {pinned}; thread env vars: {env} (left as they are; "
        "OPENBLAS_* may be set on this machine)"
    )
    print(f"load average at start: {_load()} (the machine is shared: compare cpu s, not only wall)")
    print(machine_reference())
    t0 = time.perf_counter()
    bases = {False: build_base(args.minutes, False), True: build_base(args.minutes, True)}
    print(
        f"simulated {period_s(bases[False]) / 60:.1f} + {period_s(bases[True]) / 60:.1f} min "
        f"of 100 Hz motion in {time.perf_counter() - t0:.1f} s\n"
    )

    head = ("what", "stream", "wall s", "cpu s", "x real time", "note")
    widths = (40, 8, 7, 7, 11, 18)
    print("(a) streaming, auto exercise, one core")
    print(table(head, bench_stream(bases, args.repeat), widths))
    with tempfile.TemporaryDirectory(prefix="glidecount-bench-") as tmp:
        print(f"\n(b) offline analyze of a {args.hours:g} h 100 Hz recording (thigh)")
        rows, counts = bench_offline(bases[False], args.hours, args.repeat_long, Path(tmp))
        print(table(head, rows, widths))
        for key in ("cli", "cli2"):
            if counts.get(key, counts["auto"]) != counts["auto"]:
                print(f"!! the CLI found {counts[key]} reps, analyze_chunk {counts['auto']}")
        print("\n(c) memory while streaming in 1 s chunks (auto, thigh; child process each)")
        mem_head = (
            "stream",
            "peak RSS (+streaming)",
            "tracemalloc pk",
            "counter state",
            "reps held",
            "excursions held",
        )
        mem_rows = bench_memory(
            bases[False], args.minutes, args.hours, not args.no_tracemalloc, Path(tmp)
        )
        print(table(mem_head, mem_rows, (8, 22, 14, 13, 22, 15)))
    print(
        "\ncounter state = deep size of RepCounter without its reps list. It holds nothing per "
        "sample; per rep it keeps the shape and candidate record that the end-of-stream review "
        "and auto re-interpretation read (about 1 kB a rep)."
    )
    print(f"load average at end: {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
