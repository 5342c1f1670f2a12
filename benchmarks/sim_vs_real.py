"""Hold the simulator against reality: simulated vs real thigh-IMU signal statistics.

Usage:  .venv/bin/python benchmarks/sim_vs_real.py [--data /work/shared/data] [--seeds 6]

Real data (see each folder's ABOUT.md): Yurtman & Barshan thigh unit u3 (25 Hz,
Xsens, seated knee extension e1 and supine leg raise e3, subjects 1–4, rep
boundaries for subject 1), HuGaDB right thigh (sit/stand, ~59 Hz), MEx thigh
accelerometer (lying floor exercises, 100 Hz), CMU right thigh (static pose,
walking gait cycles, 100 Hz), EUROBENCH IMU3 (probably thigh, sit-to-stand).

The same estimators run on real and simulated signals; the table is printed as
Markdown (docs/simulator.md quotes it). Simulated recordings are generated in
memory with the default (noisy, randomly strapped) chip at the real data's rate.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import signal

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sensors.sim import SimConfig, simulate  # noqa: E402
from sensors.sim.rotations import rotvec_to_matrix  # noqa: E402

G_MS2 = 9.80665
RAD2DEG = 180.0 / np.pi


@dataclass
class Sig:
    """A thigh signal in the simulator's units: g and deg/s (gyro may be absent)."""

    name: str
    rate_hz: float
    accel_g: np.ndarray
    gyro_dps: np.ndarray | None


# ---------------------------------------------------------------- real loaders


def yurtman(data: Path, subject: int, exercise: int, unit: int = 3) -> Sig:
    f = (
        data
        / "yurtman-barshan-physical-therapy"
        / f"s{subject}"
        / f"e{exercise}"
        / f"u{unit}"
        / "test.txt"
    )
    a = np.loadtxt(f, delimiter=";", skiprows=1)
    return Sig(f"YB s{subject} e{exercise} u{unit}", 25.0, a[:, 1:4] / G_MS2, a[:, 4:7] * RAD2DEG)


def yurtman_reps(data: Path, exercise: int) -> list[tuple[int, int, int]]:
    """(type, first, last) sample indexes (0-based, inclusive) of subject 1's reps."""
    f = (
        data
        / "yurtman-barshan-physical-therapy"
        / "s1"
        / f"e{exercise}"
        / "test_rep_boundaries_unofficial_LiamCHayes.csv"
    )
    rows = np.loadtxt(f, delimiter=",", skiprows=1)
    return [(int(r[1]), int(r[2]) - 1, int(r[3]) - 1) for r in rows]


def hugadb(data: Path) -> tuple[Sig, np.ndarray]:
    f = data / "hugadb-sample" / "HuGaDB_v2_various_01_00.txt"
    with open(f, encoding="utf-8") as fh:
        lines = [ln for ln in fh if not ln.startswith("#")]
    header = lines[0].split()
    arr = np.array([[float(x) for x in ln.split()] for ln in lines[1:]])
    col = {h: i for i, h in enumerate(header)}
    acc = arr[:, [col[f"acc_rt_{a}"] for a in "xyz"]] / 16384.0
    gyr = arr[:, [col[f"gyro_rt_{a}"] for a in "xyz"]] * 2000.0 / 32768.0
    return Sig("HuGaDB right thigh", 59.0, acc, gyr), arr[:, col["act"]].astype(int)


def mex(data: Path, subject: str, exercise: str) -> Sig:
    f = data / "mex-thigh-accelerometer-subset" / "act" / subject / f"{exercise}_act_1.csv"
    a = np.loadtxt(f, delimiter=",", usecols=(1, 2, 3))
    return Sig(f"MEx {subject}/{exercise}", 100.0, a, None)


def cmu(data: Path, exercise: str, thigh: str = "RightThigh") -> list[Sig]:
    import pandas as pd

    out = []
    for f in sorted(
        (data / "cmu-imu-exercise-sample" / "parsed_h5_csv" / "SUB22" / exercise).glob("*.csv")
    ):
        df = pd.read_csv(f, header=[0, 1, 2], index_col=0)
        acc = df[thigh]["Accelerometer"].to_numpy(float) / G_MS2
        gyr = df[thigh]["Gyroscope"].to_numpy(float) * RAD2DEG
        out.append(Sig(f"CMU {f.stem}", 100.0, acc, gyr))
    return out


def eurobench(data: Path, subject: int) -> Sig:
    import pandas as pd

    f = data / "eurobench-bench-5sts" / f"subject_0{subject}_5sts_chair_raw_01.csv"
    df = pd.read_csv(f)
    t = df["time"].to_numpy(float)
    acc = df[["Ax3", "Ay3", "Az3"]].to_numpy(float) / G_MS2
    gyr = df[["Gx3", "Gy3", "Gz3"]].to_numpy(float)
    return Sig(f"EUROBENCH s{subject} IMU3", float(1.0 / np.median(np.diff(t))), acc, gyr)


# ---------------------------------------------------------------- estimators


def rest_noise(s: Sig, win_s: float = 2.0, quiet_frac: float = 0.1) -> tuple[float, float]:
    """(accel std g, gyro std dps): median over the quietest windows of per-window rms std."""
    n = min(max(int(win_s * s.rate_hz), 4), len(s.accel_g))
    k = len(s.accel_g) // n
    a = s.accel_g[: k * n].reshape(k, n, 3)
    a_std = np.sqrt(a.var(axis=1).mean(axis=1))
    if s.gyro_dps is not None:
        g = s.gyro_dps[: k * n].reshape(k, n, 3)
        g_std = np.sqrt(g.var(axis=1).mean(axis=1))
        key = g_std
    else:
        g_std = np.full(k, np.nan)
        key = a_std
    quiet = np.argsort(key)[: max(1, int(quiet_frac * k))]
    return float(np.median(a_std[quiet])), float(np.median(g_std[quiet]))


def ranges(s: Sig) -> tuple[float, float, float]:
    """(p99 ‖gyro‖ dps, p0.5 ‖a‖ g, p99.5 ‖a‖ g)."""
    mag = np.linalg.norm(s.accel_g, axis=1)
    g = np.linalg.norm(s.gyro_dps, axis=1) if s.gyro_dps is not None else np.array([np.nan])
    return (
        float(np.percentile(g, 99)),
        float(np.percentile(mag, 0.5)),
        float(np.percentile(mag, 99.5)),
    )


def spectrum(s: Sig) -> tuple[float, float]:
    """(dominant frequency Hz, share of power below 2 Hz) of the main gyro (else accel) axis."""
    x = s.gyro_dps if s.gyro_dps is not None else s.accel_g
    x = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    pc = x @ vt[0]
    nper = int(min(len(pc), 30 * s.rate_hz))
    f, p = signal.welch(pc, fs=s.rate_hz, nperseg=nper)
    band = f >= 0.05
    f, p = f[band], p[band]
    return float(f[np.argmax(p)]), float(p[f < 2.0].sum() / p.sum())


def debias(s: Sig) -> np.ndarray:
    """Gyro minus its median over the quietest 2 s window (the same for real and sim)."""
    assert s.gyro_dps is not None
    n = min(int(2 * s.rate_hz), len(s.gyro_dps))
    k = len(s.gyro_dps) // n
    g = s.gyro_dps[: k * n].reshape(k, n, 3)
    quiet = int(np.argmin(g.std(axis=1).sum(axis=1)))
    return s.gyro_dps - np.median(g[quiet], axis=0)


def tremor_band(s: Sig, lo_hz: float = 5.0, hi_hz: float = 11.0) -> tuple[float, float]:
    """(gyro dps, accel g) rms in the tremor band, median over 2 s windows."""
    sos = signal.butter(4, [lo_hz, hi_hz], btype="band", fs=s.rate_hz, output="sos")
    assert s.gyro_dps is not None
    n = int(2 * s.rate_hz)
    k = len(s.accel_g) // n
    out = []
    for x in (s.gyro_dps, s.accel_g):
        y = signal.sosfiltfilt(sos, x, axis=0)[: k * n].reshape(k, n, 3)
        out.append(float(np.median(np.sqrt((y**2).sum(axis=2).mean(axis=1)))))
    return out[0], out[1]


def excursion_deg(gyro_dps: np.ndarray, rate_hz: float) -> float:
    """Largest rotation away from the first sample, from integrating the gyro."""
    steps = rotvec_to_matrix(gyro_dps[:-1] / RAD2DEG / rate_hz)
    r = np.eye(3)
    best = 0.0
    for st in steps:
        r = r @ st
        best = max(best, float(np.arccos(np.clip((np.trace(r) - 1) / 2, -1, 1))))
    return best * RAD2DEG


def quantiles(x: Iterable[float]) -> str:
    v = np.asarray(list(x), float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return "–"
    q10, q50, q90 = np.percentile(v, [10, 50, 90])
    return f"{q50:.3g} [{q10:.3g}–{q90:.3g}]"


# ---------------------------------------------------------------- simulated counterparts


def sim_sigs(exercise: str | None, seeds: int, rate_hz: float, condition: str = "normal") -> list:
    return [
        simulate(SimConfig(exercise, reps=10, seed=s, rate_hz=rate_hz, condition=condition))
        for s in range(seeds)
    ]


def as_sig(res, name: str) -> Sig:  # noqa: ANN001 - SimResult
    return Sig(name, float(res.metadata["rate_hz"]), res.chunk.accel_g, res.chunk.gyro_dps)


def window(s: Sig, i0: int, i1: int, name: str) -> Sig:
    gy = s.gyro_dps[i0:i1] if s.gyro_dps is not None else None
    return Sig(name, s.rate_hz, s.accel_g[i0:i1], gy)


def sim_windows(results: list, kind: str) -> list[Sig]:
    """Windows of simulated recordings where an everyday event of ``kind`` happens."""
    out = []
    for res in results:
        s = as_sig(res, "sim")
        t = res.chunk.t_s
        for e in res.truth.everyday:
            if e["kind"] == kind:
                i0, i1 = np.searchsorted(t, [e["start_s"], e["end_s"]])
                if i1 - i0 > 4:
                    out.append(window(s, int(i0), int(i1), f"sim {kind}"))
    return out


def label_runs(labels: np.ndarray, value: int) -> list[tuple[int, int]]:
    m = np.concatenate([[False], labels == value, [False]])
    d = np.diff(m.astype(int))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True))


# ---------------------------------------------------------------- the table


def build_rows(data: Path, seeds: int) -> list[tuple[str, str, str, str, str]]:
    rows: list[tuple[str, str, str, str, str]] = []

    def add(metric: str, real_src: str, real: str, sim_src: str, sim: str) -> None:
        rows.append((metric, real_src, real, sim_src, sim))

    yb = {e: [yurtman(data, s, e) for s in (1, 2, 3, 4)] for e in (1, 3)}
    sim25 = {
        ex: sim_sigs(ex, seeds, 25.0)
        for ex in ("seated_leg_raise", "seated_leg_kick", "raised_leg_stretch")
    }
    sim100 = sim_sigs("seated_leg_raise", seeds, 100.0)
    every = sim_sigs(None, max(seeds * 2, 8), 100.0, "everyday_only")
    every59 = sim_sigs(None, max(seeds * 2, 8), 59.0, "everyday_only")
    hug, hug_act = hugadb(data)
    pose = cmu(data, "Pose")
    walk = cmu(data, "Walk")
    mexs = [mex(data, f"{i:02d}", "01") for i in range(1, 11)]
    euro = [eurobench(data, s) for s in (1, 2, 3)]

    # 1. rest noise
    def rn(sigs: list[Sig], k: int) -> str:
        return quantiles(rest_noise(s)[k] for s in sigs)

    all_yb = yb[1] + yb[3]
    sim25_all = [as_sig(r, "sim") for v in sim25.values() for r in v]
    add(
        "rest accel std (g)",
        "YB u3, 25 Hz (8 rec.)",
        rn(all_yb, 0),
        "sim 3 exercises, 25 Hz",
        rn(sim25_all, 0),
    )
    add(
        "rest gyro std (dps)",
        "YB u3, 25 Hz",
        rn(all_yb, 1),
        "sim 3 exercises, 25 Hz",
        rn(sim25_all, 1),
    )
    sim100_s = [as_sig(r, "sim") for r in sim100]
    add("rest accel std (g)", "CMU Pose, 100 Hz", rn(pose, 0), "sim raise, 100 Hz", rn(sim100_s, 0))
    add(
        "rest gyro std (dps)", "CMU Pose, 100 Hz", rn(pose, 1), "sim raise, 100 Hz", rn(sim100_s, 1)
    )
    add(
        "rest accel std (g)",
        "MEx thigh (AX3), 100 Hz",
        rn(mexs, 0),
        "sim raise, 100 Hz",
        rn(sim100_s, 0),
    )
    hug_sit = [window(hug, a, b, "sit") for a, b in label_runs(hug_act, 5) + label_runs(hug_act, 8)]
    sim_sit59 = [as_sig(r, "sim") for r in every59]
    add(
        "rest accel std (g)",
        "HuGaDB thigh, 59 Hz",
        rn(hug_sit, 0),
        "sim everyday, 59 Hz",
        rn(sim_sit59, 0),
    )
    add(
        "rest gyro std (dps)",
        "HuGaDB thigh, 59 Hz",
        rn(hug_sit, 1),
        "sim everyday, 59 Hz",
        rn(sim_sit59, 1),
    )

    # 2. ranges during exercise
    def rg(sigs: list[Sig], k: int) -> str:
        return quantiles(ranges(s)[k] for s in sigs)

    yb1, yb3 = yb[1], yb[3]
    raise25 = [as_sig(r, "sim") for r in sim25["seated_leg_raise"]]
    kick25 = [as_sig(r, "sim") for r in sim25["seated_leg_kick"]]
    stretch25 = [as_sig(r, "sim") for r in sim25["raised_leg_stretch"]]
    add(
        "p99 ‖gyro‖ (dps)",
        "YB e1 seated knee ext.",
        rg(yb1, 0),
        "sim seated_leg_raise",
        rg(raise25, 0),
    )
    add(
        "p99 ‖gyro‖ (dps)",
        "YB e1 seated knee ext.",
        rg(yb1, 0),
        "sim seated_leg_kick",
        rg(kick25, 0),
    )
    add(
        "p99 ‖gyro‖ (dps)",
        "YB e3 supine leg raise",
        rg(yb3, 0),
        "sim raised_leg_stretch",
        rg(stretch25, 0),
    )
    add("‖a‖ p0.5 (g)", "YB e1+e3", rg(all_yb, 1), "sim 3 exercises", rg(sim25_all, 1))
    add("‖a‖ p99.5 (g)", "YB e1+e3", rg(all_yb, 2), "sim 3 exercises", rg(sim25_all, 2))

    # 3. spectra
    def sp(sigs: list[Sig], k: int) -> str:
        return quantiles(spectrum(s)[k] for s in sigs)

    add("dominant freq (Hz)", "YB e1", sp(yb1, 0), "sim seated_leg_raise", sp(raise25, 0))
    add("dominant freq (Hz)", "YB e3", sp(yb3, 0), "sim raised_leg_stretch", sp(stretch25, 0))
    add("power < 2 Hz (share)", "YB e1+e3", sp(all_yb, 1), "sim 3 exercises", sp(sim25_all, 1))
    add(
        "power < 2 Hz (share)",
        "MEx floor ex. 01 (accel)",
        sp(mexs, 1),
        "sim stretch (accel only)",
        quantiles(spectrum(Sig("a", s.rate_hz, s.accel_g, None))[1] for s in stretch25),
    )

    add(
        "5–11 Hz gyro rms (dps)",
        "YB e1+e3",
        quantiles(tremor_band(s)[0] for s in all_yb),
        "sim 3 exercises",
        quantiles(tremor_band(s)[0] for s in sim25_all),
    )
    add(
        "5–11 Hz accel rms (g)",
        "YB e1+e3",
        quantiles(tremor_band(s)[1] for s in all_yb),
        "sim 3 exercises",
        quantiles(tremor_band(s)[1] for s in sim25_all),
    )

    # 4. rep shapes: real reps of all three execution types (correct, fast, low amplitude)
    def sim_reps(results: list) -> tuple[list[float], list[float], list[float]]:
        dur, exc, rom = [], [], []
        for res in results:
            t = res.chunk.t_s
            gd = debias(as_sig(res, "sim"))
            for r in res.truth.reps:
                i0, i1 = np.searchsorted(t, [r.start_s, r.end_s])
                dur.append(r.end_s - r.start_s)
                exc.append(excursion_deg(gd[i0 : i1 + 1], 25.0))
                rom.append(r.rom_deg)
        return dur, exc, rom

    pairs = ((1, "seated_leg_raise"), (1, "seated_leg_kick"), (3, "raised_leg_stretch"))
    for e, sim_ex in pairs:
        s1 = yb[e][0]
        g1 = debias(s1)
        reps = [(a, b) for _, a, b in yurtman_reps(data, e)]
        dur = [(b - a + 1) / 25.0 for a, b in reps]
        exc = [excursion_deg(g1[a : b + 1], 25.0) for a, b in reps]
        sdur, sexc, srom = sim_reps(sim25[sim_ex])
        src = f"YB s1 e{e}, 30 reps"
        add("rep duration (s)", src, quantiles(dur), f"sim {sim_ex}", quantiles(sdur))
        add(
            "thigh excursion (deg)",
            src,
            quantiles(exc),
            f"sim {sim_ex}",
            f"{quantiles(sexc)}; truth ROM {quantiles(srom)}",
        )

    # 5. everyday movements
    hug_up = [window(hug, a, b, "up") for a, b in label_runs(hug_act, 7)]
    hug_down = [window(hug, a, b, "down") for a, b in label_runs(hug_act, 6)]
    sim_up = sim_windows(every59, "stand_up")
    sim_down = sim_windows(every59, "sit_down")
    add(
        "stand-up peak ‖gyro‖ (dps)",
        "HuGaDB",
        quantiles(ranges(s)[0] for s in hug_up),
        "sim stand_up",
        quantiles(ranges(s)[0] for s in sim_up),
    )
    add(
        "stand-up duration (s)",
        "HuGaDB",
        quantiles(len(s.accel_g) / s.rate_hz for s in hug_up),
        "sim stand_up",
        quantiles(len(s.accel_g) / s.rate_hz for s in sim_up),
    )
    add(
        "sit-down peak ‖gyro‖ (dps)",
        "HuGaDB",
        quantiles(ranges(s)[0] for s in hug_down),
        "sim sit_down",
        quantiles(ranges(s)[0] for s in sim_down),
    )
    add(
        "sit-to-stand p99 ‖gyro‖ (dps)",
        "EUROBENCH IMU3 (fast 5STS)",
        rg(euro, 0),
        "sim stand_up",
        quantiles(ranges(s)[0] for s in sim_windows(every, "stand_up")),
    )
    sim_walk = sim_windows(every, "walk")
    add(
        "walking p99 ‖gyro‖ (dps)",
        "CMU Walk (6 cycles)",
        quantiles(ranges(s)[0] for s in walk),
        "sim walk",
        rg(sim_walk, 0),
    )
    add(
        "walking ‖a‖ p99.5 (g)",
        "CMU Walk",
        quantiles(ranges(s)[2] for s in walk),
        "sim walk",
        rg(sim_walk, 2),
    )
    add(
        "walking ‖a‖ p0.5 (g)",
        "CMU Walk",
        quantiles(ranges(s)[1] for s in walk),
        "sim walk",
        rg(sim_walk, 1),
    )
    add(
        "gait cycle / stride (s)",
        "CMU Walk",
        quantiles(len(s.accel_g) / 100.0 for s in walk),
        "sim walk (1/dominant f)",
        quantiles(1.0 / spectrum(s)[0] for s in sim_walk if len(s.accel_g) > 300),
    )
    return rows


def render(rows: list[tuple[str, str, str, str, str]]) -> str:
    out = [
        "| metric | real source | real: median [p10–p90] | simulated | sim: median [p10–p90] |",
        "|---|---|---|---|---|",
    ]
    out += [f"| {' | '.join(r)} |" for r in rows]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="/work/shared/data", type=Path)
    ap.add_argument("--seeds", type=int, default=10, help="simulated recordings per exercise")
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"sim_vs_real: no data directory {args.data}", file=sys.stderr)
        return 2
    print(render(build_rows(args.data, args.seeds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
