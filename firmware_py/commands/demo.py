"""``glidecount demo``: a simulated patient does a set; the live counter follows.

Runs on embedded defaults only (no sensor, no broker needed): the simulated
thigh IMU streams in (faster than real time with ``--speed``), the streaming
core prints each repetition and every live alert as it happens, and the
recording is then re-analysed offline to show both paths agree.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from analysis.core import RepCounter
from analysis.events import Alert, Event, PostureChanged, RepDone, SetSummary
from analysis.offline import analyze_chunk
from analysis.settings import EXERCISES
from sensors.chunk import ImuChunk
from sensors.recording import write_recording
from sensors.sim import SimConfig, SimulatedImu

HELP = "simulated patient + live counter, no hardware needed"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--exercise", choices=EXERCISES, default="seated_leg_raise")
    p.add_argument("--reps", type=int, default=8)
    p.add_argument("--condition", default="fast", help="simulator condition (see docs)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--speed", type=float, default=20.0, help="simulated clock x real time")
    p.add_argument("--out", default="out/demo.csv", help="where to keep the recording")


def describe(ev: Event) -> str | None:
    """One console line for the events a patient would see."""
    if isinstance(ev, RepDone) and ev.rep is not None:
        r = ev.rep
        phases = "  ".join(f"{k[:-2]} {v:.1f}s" for k, v in r.phases.items())
        verdict = "TOO FAST" if r.too_fast else ("SHORT HOLD" if r.short_hold else "good")
        return (
            f"[{ev.t_s:7.1f} s] rep {ev.count:2d} (valid {ev.valid_count:2d})  {phases}  "
            f"hold {r.hold_s:.1f}s  ROM {r.rom_deg:.0f}°  -> {verdict}"
        )
    if isinstance(ev, Alert):
        return f"[{ev.t_s:7.1f} s]   !! {ev.message} ({ev.measured_s:.1f}s < {ev.required_s:.1f}s)"
    if isinstance(ev, PostureChanged):
        return f"[{ev.t_s:7.1f} s]   posture change (not a rep)"
    if isinstance(ev, SetSummary):
        return (
            f"set done: {ev.count} reps, {ev.valid_count} valid, {ev.too_fast_count} too fast, "
            f"{ev.short_hold_count} short holds, mean ROM {ev.mean_rom_deg:.0f}°"
        )
    return None


def run(args: argparse.Namespace) -> int:
    print("glidecount demo — a home-exercise aid, not a diagnostic device.")
    print(
        f"simulated patient: {args.reps} x {args.exercise} ({args.condition}), "
        f"clock x{args.speed:g}\n"
    )
    cfg = SimConfig(
        exercise=args.exercise, reps=args.reps, seed=args.seed, condition=args.condition
    )
    imu = SimulatedImu(cfg, speed=args.speed)
    counter = RepCounter(args.exercise)
    chunks: list[ImuChunk] = []
    imu.start()
    try:
        while not imu.finished:
            chunk = imu.read()
            chunks.append(chunk)
            for ev in counter.feed(chunk):
                line = describe(ev)
                if line:
                    print(line, flush=True)
            time.sleep(0.02)
        chunk = imu.read()
        chunks.append(chunk)
        for ev in counter.feed(chunk) + counter.finish():
            line = describe(ev)
            if line:
                print(line, flush=True)
    finally:
        imu.close()
    whole = ImuChunk.concat(chunks)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    write_recording(args.out, whole, {"sensor": "sim", "exercise": args.exercise})
    offline = analyze_chunk(whole, args.exercise).summary
    truth = imu.truth
    print(
        f"\noffline re-analysis of {args.out}: {offline.count} reps, "
        f"{offline.valid_count} valid (live said {counter.summary().count}/"
        f"{counter.summary().valid_count}); simulator truth: {truth.count} reps, "
        f"{truth.valid_count} valid"
    )
    print(f"try: glidecount analyze {args.out} --json")
    return 0
