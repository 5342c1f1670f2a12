"""Loaders that turn the public datasets in ``shared/data`` into CONTRACT §2 recordings.

Each loader reads one source file (or one set of sample-aligned files) with
pandas, converts units to g and deg/s, and returns a :class:`Converted`: the
samples as an :class:`~sensors.chunk.ImuChunk`, the ``# key=value`` metadata to
write with them, and the ground truth for the ``<file>.truth.json`` sidecar.
Nothing here writes files (see ``glidecount convert``). A source file that is
missing or malformed raises :class:`DatasetError` naming the path.

Dataset notes (units, placement, labels) come from each folder's ``ABOUT.md``;
``docs/recordings.md`` explains what is converted and what is skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sensors.chunk import ImuChunk
from sensors.errors import UserError
from sensors.recording import RAD_TO_DEG, STANDARD_GRAVITY_MS2

YURTMAN_DIR = "yurtman-barshan-physical-therapy"
HUGADB_DIR = "hugadb-sample"
EUROBENCH_DIR = "eurobench-bench-5sts"
MEX_DIR = "mex-thigh-accelerometer-subset"
CMU_DIR = "cmu-imu-exercise-sample"

YURTMAN_RATE_HZ = 25.0
YURTMAN_SUBJECTS = ("s1", "s2", "s3", "s4")
YURTMAN_SESSIONS = ("test", "template")
# Dataset exercise codes -> descriptive names (none is exactly one of CONTRACT §1's three).
YURTMAN_EXERCISES = {
    "e1": "seated_knee_extension",
    "e3": "supine_hip_knee_flexion",
    "e4": "side_lying_hip_abduction",
    "e5": "prone_hip_extension",
}
YURTMAN_THIGH_UNIT = "u3"  # right thigh, just above the knee (the exercising leg)
YURTMAN_SHANK_UNIT = "u2"  # right shank, just above the ankle
# Documented counts: test = 10 correct + 10 fast + 10 low-amplitude; template = 3 of each.
YURTMAN_REPS_PER_TYPE = {"test": 10, "template": 3}
EXECUTION_TYPES = {1: "correct", 2: "fast", 3: "low_amplitude"}
_YURTMAN_FILES = {"test": "test.txt", "template": "template_session.txt"}
_YURTMAN_COLUMNS = ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
_YURTMAN_BOUNDARIES = "test_rep_boundaries_unofficial_LiamCHayes.csv"

# HuGaDB: raw int16, +-2 g and +-2000 deg/s ranges, no timestamps.
HUGADB_ACC_LSB_PER_G = 16384.0
HUGADB_GYRO_DPS_PER_LSB = 2000.0 / 32768.0
HUGADB_RATE_HZ = 2_111_962 / 35_903  # the README's total samples / total seconds (~58.8 Hz)
HUGADB_FILE = "HuGaDB_v2_various_01_00.txt"
HUGADB_ACTIVITIES = {
    1: "walking", 2: "running", 3: "going_up", 4: "going_down", 5: "sitting",
    6: "sitting_down", 7: "standing_up", 8: "standing", 9: "bicycling",
    10: "up_by_elevator", 11: "down_by_elevator", 12: "sitting_in_car",
}  # fmt: skip
HUGADB_LEGS = {"right": ("rt", "rs"), "left": ("lt", "ls")}  # (thigh, shin) prefixes

EUROBENCH_THIGH_IMU = 3  # inferred in ABOUT.md (rotates 60-70 deg sit->stand); unverified
EUROBENCH_STANDUPS_PER_TRIAL = 5

MEX_SKIP_REASON = (
    "thigh accelerometer only, no gyroscope; CONTRACT §2 requires the angular-rate "
    "columns, so nothing is converted"
)
CMU_SKIP_REASON = (
    "one file per repetition with the rests cut out, so there is no continuous stream, "
    "and none of its exercises is seated; nothing is converted"
)


class DatasetError(UserError):
    """A dataset file or folder that is missing or not as its ABOUT.md describes."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass
class Converted:
    """One recording converted from a dataset, ready for ``write_recording``."""

    name: str  # output file stem, e.g. ``yurtman_s1_e1_test``
    source: str
    subject: str
    dataset_exercise: str
    session: str
    chunk: ImuChunk
    rate_hz: float
    truth: dict[str, Any]
    metadata: dict[str, str] = field(default_factory=dict)
    source_rows: int = 0

    def __post_init__(self) -> None:
        warning = accel_quality_warning(self.chunk)
        if warning:
            self.metadata["quality_warning"] = warning
            self.truth["quality_warning"] = warning

    @property
    def expected_count(self) -> int:
        return int(self.truth["expected_count"])


REST_ACCEL_TOLERANCE_G = 0.1


def accel_quality_warning(chunk: ImuChunk) -> str | None:
    """A note when the thigh's median |a| is far from 1 g (a miscalibrated source)."""
    if len(chunk) == 0:
        return None
    median_g = float(np.median(np.linalg.norm(chunk.accel_g, axis=1)))
    if abs(median_g - 1.0) <= REST_ACCEL_TOLERANCE_G:
        return None
    return (
        f"median thigh |a| is {median_g:.2f} g, expected about 1 g: "
        "the source accelerometer looks miscalibrated"
    )


def _read_table(path: Path, **kwargs: Any) -> pd.DataFrame:
    """``pd.read_csv`` that turns every failure into a DatasetError naming ``path``."""
    if not path.is_file():
        raise DatasetError(path, "missing file" if not path.exists() else "not a regular file")
    try:
        return pd.read_csv(path, **kwargs)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as err:
        first = (str(err).splitlines() or [type(err).__name__])[0]
        raise DatasetError(path, f"cannot parse: {first}") from None


def _numeric(frame: pd.DataFrame, columns: Sequence[str], path: Path) -> np.ndarray:
    """The named columns as a finite float64 array, or a DatasetError naming the bad cell."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DatasetError(path, f"lacks column(s) {', '.join(missing)}")
    if len(frame) == 0:
        raise DatasetError(path, "no data rows")
    sub = frame[list(columns)]
    data = sub.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(data)
    if bad.any():
        row, col = (int(i[0]) for i in np.nonzero(bad))
        raw = sub.iat[row, col]
        what = "empty" if pd.isna(raw) else f"not a finite number: {str(raw)!r}"
        raise DatasetError(path, f"data row {row + 1}, column {columns[col]!r} is {what}")
    return data


def require_dir(path: Path) -> Path:
    """``path`` if it is a directory, else a DatasetError naming it."""
    if not path.is_dir():
        reason = "not a directory" if path.exists() else "no such directory"
        raise DatasetError(path, f"{reason} (expected a dataset folder)")
    return path


# --------------------------------------------------------------------------- Yurtman & Barshan


def read_yurtman_unit(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One Xsens unit file: (1-based time index, accel m/s² (N,3), gyro rad/s (N,3))."""
    frame = _read_table(path, sep=";")
    frame.columns = [str(c).strip() for c in frame.columns]
    index = _numeric(frame, ["time index"], path)[:, 0]
    data = _numeric(frame, _YURTMAN_COLUMNS, path)
    if not np.array_equal(index, np.arange(1, len(index) + 1)):
        raise DatasetError(path, "time index is not 1, 2, 3, ... (samples missing?)")
    return index, data[:, :3], data[:, 3:]


def read_yurtman_boundaries(path: Path, rate_hz: float = YURTMAN_RATE_HZ) -> list[dict[str, Any]]:
    """The unofficial per-rep boundaries (1-based inclusive indices) as truth reps."""
    frame = _read_table(path)
    data = _numeric(frame, ["rep.number", "execution.type", "start", "end"], path)
    types = data[:, 1].astype(int)
    start, end = data[:, 2], data[:, 3]
    if not set(types.tolist()) <= set(EXECUTION_TYPES) or (end < start).any():
        raise DatasetError(path, "execution types must be 1/2/3 and start <= end")
    return [
        {
            "start_s": round((s - 1) / rate_hz, 3),
            "end_s": round((e - 1) / rate_hz, 3),
            "execution": EXECUTION_TYPES[k],
            "too_fast": bool(k == 2),
        }
        for s, e, k in zip(start.tolist(), end.tolist(), types.tolist(), strict=True)
    ]


def read_yurtman_template_times(path: Path, rate_hz: float = YURTMAN_RATE_HZ) -> list[dict]:
    """The one selected template rep per execution type (indices may be x.5)."""
    frame = _read_table(path, sep=";")
    frame.columns = [str(c).strip() for c in frame.columns]
    data = _numeric(frame, ["execution type", "start", "end"], path)
    return [
        {
            "start_s": round((s - 1) / rate_hz, 3),
            "end_s": round((e - 1) / rate_hz, 3),
            "execution": EXECUTION_TYPES.get(int(k), str(int(k))),
        }
        for k, s, e in data.tolist()
    ]


def load_yurtman(root: Path, subject: str, exercise: str, session: str) -> Converted:
    """One Yurtman & Barshan session: thigh u3 as the main sensor, shank u2 aligned."""
    if exercise not in YURTMAN_EXERCISES or session not in YURTMAN_SESSIONS:
        raise ValueError(f"unknown exercise/session {exercise}/{session}")
    edir = root / subject / exercise
    fname = _YURTMAN_FILES[session]
    thigh_path = edir / YURTMAN_THIGH_UNIT / fname
    shank_path = edir / YURTMAN_SHANK_UNIT / fname
    index, acc_ms2, gyr_rads = read_yurtman_unit(thigh_path)
    s_index, s_acc_ms2, s_gyr_rads = read_yurtman_unit(shank_path)
    if len(s_index) != len(index):
        raise DatasetError(
            shank_path, f"{len(s_index)} samples but the thigh unit has {len(index)}"
        )
    chunk = ImuChunk(
        (index - 1) / YURTMAN_RATE_HZ,
        acc_ms2 / STANDARD_GRAVITY_MS2,
        gyr_rads * RAD_TO_DEG,
        s_acc_ms2 / STANDARD_GRAVITY_MS2,
        s_gyr_rads * RAD_TO_DEG,
    )
    per_type = YURTMAN_REPS_PER_TYPE[session]
    expected = per_type * len(EXECUTION_TYPES)
    truth: dict[str, Any] = {
        "exercise": None,
        "expected_count": expected,
        "reps": [],  # count-only truth unless the boundaries are known (below)
        "dataset_exercise": YURTMAN_EXERCISES[exercise],
        "execution_counts": {name: per_type for name in EXECUTION_TYPES.values()},
        "execution_order": "correct, fast, low_amplitude",
        "execution_order_basis": (
            "template_times.txt picks one rep of each type in this order"
            if session == "template"
            else "the unofficial boundaries (s1); assumed for s2-s4 as documented"
        ),
        "reps_source": None,
    }
    boundaries = edir / _YURTMAN_BOUNDARIES
    if session == "test" and boundaries.exists():
        reps = read_yurtman_boundaries(boundaries)
        if len(reps) != expected:
            raise DatasetError(boundaries, f"{len(reps)} reps listed, documented {expected}")
        if reps[-1]["end_s"] > chunk.t_s[-1]:
            raise DatasetError(boundaries, "a rep ends after the last sample of test.txt")
        truth["reps"] = reps
        truth["reps_source"] = f"{_YURTMAN_BOUNDARIES} (unofficial, hand-made)"
    times = edir / "template_times.txt"
    if session == "template" and times.exists():
        truth["template_reps"] = read_yurtman_template_times(times)
    name = f"yurtman_{subject}_{exercise}_{session}"
    metadata = {
        "source": "yurtman-barshan",
        "subject": subject,
        "exercise_code": exercise,
        "dataset_exercise": YURTMAN_EXERCISES[exercise],
        "session": session,
        "rate_hz": f"{YURTMAN_RATE_HZ:g}",
        "leg": "right",
        "expected_reps": str(expected),
        "sensor": "xsens-mtx",
        "placement": f"right thigh above the knee (unit {YURTMAN_THIGH_UNIT})",
        "shank_placement": f"right shank above the ankle (unit {YURTMAN_SHANK_UNIT})",
        "source_units": "m/s^2 and rad/s, written as g and deg/s",
        "source_file": f"{YURTMAN_DIR}/{subject}/{exercise}/{YURTMAN_THIGH_UNIT}/{fname}",
        "truth": f"{name}.csv.truth.json",
    }
    return Converted(
        name, "yurtman-barshan", subject, YURTMAN_EXERCISES[exercise], session,
        chunk, YURTMAN_RATE_HZ, truth, metadata, len(index),
    )  # fmt: skip


def iter_yurtman(
    root: Path,
    subjects: Sequence[str] = YURTMAN_SUBJECTS,
    exercises: Sequence[str] = tuple(YURTMAN_EXERCISES),
    sessions: Sequence[str] = YURTMAN_SESSIONS,
) -> Iterator[Converted]:
    """Every requested subject x exercise x session, in that order."""
    require_dir(root)
    for subject in subjects:
        for exercise in exercises:
            for session in sessions:
                yield load_yurtman(root, subject, exercise, session)


# --------------------------------------------------------------------------- HuGaDB


def _segments(labels: np.ndarray, t_s: np.ndarray, dt_s: float) -> list[dict[str, Any]]:
    """Runs of equal labels as ``{"label", "start_s", "end_s"}`` (end = last sample + dt)."""
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    ends = np.r_[starts[1:], len(labels)] - 1
    return [
        {
            "label": HUGADB_ACTIVITIES.get(int(labels[s]), str(int(labels[s]))),
            "start_s": round(float(t_s[s]), 3),
            "end_s": round(float(t_s[e]) + dt_s, 3),
        }
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True)
    ]


def read_hugadb(path: Path) -> pd.DataFrame:
    """A HuGaDB text file (4 header lines, tab-separated, int16 counts, ``act`` labels)."""
    return _read_table(path, sep="\t", skiprows=3)


def load_hugadb(path: Path, leg: str = "right") -> Converted:
    """One leg of a HuGaDB file: thigh as the main sensor, shin as ``shank_``."""
    thigh, shin = HUGADB_LEGS[leg]
    frame = read_hugadb(path)

    def imu(p: str) -> tuple[np.ndarray, np.ndarray]:
        cols = [f"{q}_{p}_{a}" for q in ("acc", "gyro") for a in "xyz"]
        raw = _numeric(frame, cols, path)
        return raw[:, :3] / HUGADB_ACC_LSB_PER_G, raw[:, 3:] * HUGADB_GYRO_DPS_PER_LSB

    acc_g, gyr_dps = imu(thigh)
    s_acc_g, s_gyr_dps = imu(shin)
    labels = _numeric(frame, ["act"], path)[:, 0].astype(int)
    n = len(labels)
    t_s = np.arange(n) / HUGADB_RATE_HZ
    chunk = ImuChunk(t_s, acc_g, gyr_dps, s_acc_g, s_gyr_dps)
    activities = _segments(labels, t_s, 1.0 / HUGADB_RATE_HZ)
    kinds = [a["label"] for a in activities]
    truth = {
        "exercise": None,
        "expected_count": 0,
        "reps": [],
        "dataset_exercise": "sit_stand_transitions",
        "other_movements": {
            "standing_up": kinds.count("standing_up"),
            "sitting_down": kinds.count("sitting_down"),
        },
        "activities": activities,
    }
    stem = path.stem.removeprefix("HuGaDB_v2_")  # e.g. various_01_00
    parts = stem.split("_")
    subject = parts[1] if len(parts) > 1 else "?"
    name = f"hugadb_{stem}_{leg}"
    metadata = {
        "source": "hugadb",
        "subject": subject,
        "dataset_exercise": "sit_stand_transitions",
        "session": stem,
        "rate_hz": f"{HUGADB_RATE_HZ:.1f}",
        "timing": "synthesised at the database's mean rate (the source has no timestamps)",
        "leg": leg,
        "expected_reps": "0",
        "placement": f"{leg} thigh, rectus femoris 5 cm above the knee ({thigh})",
        "shank_placement": f"{leg} shin, mid-shin ({shin})",
        "source_units": "int16 counts (+-2 g, +-2000 deg/s), written as g and deg/s",
        "source_file": f"{HUGADB_DIR}/{path.name}",
        "truth": f"{name}.csv.truth.json",
    }
    return Converted(
        name, "hugadb", subject, "sit_stand_transitions", stem,
        chunk, HUGADB_RATE_HZ, truth, metadata, n,
    )  # fmt: skip


def iter_hugadb(root: Path) -> Iterator[Converted]:
    """Both legs of every HuGaDB file in the folder."""
    require_dir(root)
    files = sorted(root.glob("HuGaDB_*.txt"))
    if not files:
        raise DatasetError(root, "no HuGaDB_*.txt files")
    for path in files:
        for leg in HUGADB_LEGS:
            yield load_hugadb(path, leg)


# --------------------------------------------------------------------------- Eurobench 5xSTS


def load_eurobench(path: Path, imu: int = EUROBENCH_THIGH_IMU) -> Converted:
    """One 5xSTS trial, IMU ``imu`` (probably the thigh) as the only sensor."""
    frame = _read_table(path)
    frame.columns = [str(c).strip() for c in frame.columns]
    time_col = "time" if "time" in frame.columns else "Time"
    cols = [f"{q}{a}{imu}" for q in ("A", "G") for a in "xyz"]
    t_s = _numeric(frame, [time_col], path)[:, 0]
    data = _numeric(frame, cols, path)
    back = np.flatnonzero(np.diff(t_s) < 0)
    if back.size:
        raise DatasetError(path, f"time goes backwards at data row {int(back[0]) + 2}")
    chunk = ImuChunk(t_s, data[:, :3] / STANDARD_GRAVITY_MS2, data[:, 3:])
    dt = np.diff(t_s)
    rate_hz = float(1.0 / np.median(dt[dt > 0])) if (dt > 0).any() else 0.0
    parts = path.stem.split("_")  # subject_01_5sts_chair_raw_01
    if len(parts) < 3 or parts[0] != "subject":
        raise DatasetError(path, "file name is not subject_<id>_5sts_..._<trial>.csv")
    subject, trial = parts[1], parts[-1]
    session = "_".join(parts[2:])
    name = f"eurobench_{subject}_5sts_{trial}"
    truth = {
        "exercise": None,
        "expected_count": 0,
        "reps": [],
        "dataset_exercise": "five_times_sit_to_stand",
        "other_movements": {"sit_to_stand": EUROBENCH_STANDUPS_PER_TRIAL},
    }
    metadata = {
        "source": "eurobench-5sts",
        "subject": subject,
        "dataset_exercise": "five_times_sit_to_stand",
        "session": session,
        "rate_hz": f"{rate_hz:.1f}",
        "leg": "unknown",
        "expected_reps": "0",
        "placement": f"IMU{imu}, probably a thigh (inferred from the data, unverified)",
        "source_units": "m/s^2 and deg/s (deg/s inferred), written as g and deg/s",
        "source_file": f"{EUROBENCH_DIR}/{path.name}",
        "truth": f"{name}.csv.truth.json",
    }
    return Converted(
        name, "eurobench-5sts", subject, "five_times_sit_to_stand", session,
        chunk, rate_hz, truth, metadata, len(t_s),
    )  # fmt: skip


def iter_eurobench(root: Path) -> Iterator[Converted]:
    """Every ``subject_*_5sts_*.csv`` trial (the calibration files are not converted)."""
    require_dir(root)
    files = sorted(root.glob("subject_*_5sts_*.csv"))
    if not files:
        raise DatasetError(root, "no subject_*_5sts_*.csv files")
    for path in files:
        yield load_eurobench(path)
