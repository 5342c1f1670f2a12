"""``glidecount analyze`` as a subprocess on simulated recordings (CONTRACT §3).

JSON Lines, one object per input file in input order, the contract's keys,
times on the file's own clock, ``--exercise auto`` by default, bad files
reported on one stderr line while the good ones are still analysed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from analysis.offline import analyze_chunk
from sensors.chunk import ImuChunk
from sensors.recording import read_recording, write_recording
from sensors.sim import SimConfig, simulate

REP_KEYS = {"start_s", "end_s", "exercise", "too_fast", "short_hold", "hold_s", "rom_deg"}
TOP_KEYS = {"file", "exercise", "count", "valid_count", "reps"}
EXERCISE_NAMES = {"seated_leg_raise", "seated_leg_kick", "raised_leg_stretch"}
SHIFT_S = 1000.0

RECORDINGS: dict[str, SimConfig] = {
    "raise.csv": SimConfig("seated_leg_raise", reps=4, seed=3, condition="fast"),
    "kick.csv": SimConfig("seated_leg_kick", reps=4, seed=0, shank=True),
    "stretch.csv": SimConfig("raised_leg_stretch", reps=4, seed=3, condition="short_hold"),
}


def run_analyze(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``glidecount analyze ARGS`` in ``cwd``; stdout/stderr captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "firmware_py.cli", "analyze", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def json_lines(stdout: str) -> list[dict[str, Any]]:
    lines = stdout.splitlines()
    assert all(line.startswith("{") for line in lines), stdout
    return [json.loads(line) for line in lines]


def assert_contract_object(obj: dict[str, Any], file: str) -> None:
    """One CONTRACT §3 object: keys, types and the count/valid_count rules."""
    assert TOP_KEYS <= set(obj)
    assert obj["file"] == file
    assert obj["exercise"] in EXERCISE_NAMES
    assert isinstance(obj["count"], int) and isinstance(obj["valid_count"], int)
    assert obj["count"] == len(obj["reps"])
    assert obj["valid_count"] == sum(not (r["too_fast"] or r["short_hold"]) for r in obj["reps"])
    prev_end = -np.inf
    for r in obj["reps"]:
        assert REP_KEYS <= set(r)
        assert r["exercise"] in EXERCISE_NAMES
        assert isinstance(r["too_fast"], bool) and isinstance(r["short_hold"], bool)
        assert prev_end <= r["start_s"] < r["end_s"]
        assert r["hold_s"] >= 0 and r["rom_deg"] > 0
        prev_end = r["end_s"]


@pytest.fixture(scope="module")
def recdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Simulated recordings, one shifted by +1000 s, and some broken files."""
    d = tmp_path_factory.mktemp("analyze")
    for name, cfg in RECORDINGS.items():
        res = simulate(cfg)
        write_recording(d / name, res.chunk, res.metadata)
    rec = read_recording(d / "raise.csv")
    c = rec.chunk
    write_recording(d / "raise_shifted.csv", ImuChunk(c.t_s + SHIFT_S, c.accel_g, c.gyro_dps))
    lines = (d / "raise.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    bad_line = len(lines) // 2  # a data row in the middle of the set
    lines[bad_line - 1] = "12.5,0.1,abc,0.9,1,2,3\n"
    (d / "bad.csv").write_text("".join(lines), encoding="utf-8")
    (d / "bad.line").write_text(str(bad_line), encoding="utf-8")
    (d / "bad_prescription.json").write_text('{"min_lift_s": 2.0,\n "min_lower_s": }\n')
    (d / "strict.json").write_text('{"min_lift_s": 5.0, "min_lower_s": 5.0}\n')
    return d


def test_json_lines_in_input_order_with_contract_keys(recdir: Path) -> None:
    files = ["stretch.csv", "raise.csv", str(recdir / "kick.csv")]  # one given as absolute
    proc = run_analyze(recdir, *files, "--json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    objs = json_lines(proc.stdout)
    assert [o["file"] for o in objs] == files
    for obj, file in zip(objs, files, strict=True):
        assert_contract_object(obj, file)
        assert obj["count"] >= 3
    # --exercise defaults to auto: the same as analysing each file in auto mode here
    for obj, file in zip(objs, files, strict=True):
        rec = read_recording(recdir / Path(file).name)
        want = analyze_chunk(rec.chunk, "auto").contract_dict(file)
        assert obj == json.loads(json.dumps(want))


def test_explicit_exercise_and_prescription(recdir: Path) -> None:
    default = json_lines(
        run_analyze(recdir, "raise.csv", "--exercise", "seated_leg_raise", "--json").stdout
    )[0]
    strict_proc = run_analyze(
        recdir,
        "raise.csv",
        "--exercise",
        "seated_leg_raise",
        "--json",
        "--prescription",
        "strict.json",
    )
    assert strict_proc.returncode == 0, strict_proc.stderr
    strict = json_lines(strict_proc.stdout)[0]
    assert default["exercise"] == strict["exercise"] == "seated_leg_raise"
    assert all(r["exercise"] == "seated_leg_raise" for r in default["reps"])
    assert strict["count"] == default["count"] >= 3
    assert 0 < default["valid_count"] < default["count"]  # the fast set has quick and slow reps
    assert strict["valid_count"] == 0
    assert all(r["too_fast"] for r in strict["reps"])


def test_times_are_on_the_files_own_clock(recdir: Path) -> None:
    proc = run_analyze(recdir, "raise.csv", "raise_shifted.csv", "--json")
    assert proc.returncode == 0, proc.stderr
    base, shifted = json_lines(proc.stdout)
    assert base["count"] == shifted["count"] >= 3
    assert base["exercise"] == shifted["exercise"]
    truth = simulate(RECORDINGS["raise.csv"]).truth
    assert base["reps"][0]["start_s"] == pytest.approx(truth.reps[0].start_s, abs=0.5)
    for a, b in zip(base["reps"], shifted["reps"], strict=True):
        assert b["start_s"] == pytest.approx(a["start_s"] + SHIFT_S, abs=2e-3)
        assert b["end_s"] == pytest.approx(a["end_s"] + SHIFT_S, abs=2e-3)
        assert (a["too_fast"], a["short_hold"]) == (b["too_fast"], b["short_hold"])


def _assert_one_error_line(stderr: str, *must_contain: str) -> None:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    for text in must_contain:
        assert text in lines[0], lines[0]


def test_malformed_file_among_good_ones(recdir: Path) -> None:
    bad_line = (recdir / "bad.line").read_text()
    proc = run_analyze(recdir, "raise.csv", "bad.csv", "kick.csv", "--json")
    assert proc.returncode != 0
    objs = json_lines(proc.stdout)
    assert [o["file"] for o in objs] == ["raise.csv", "kick.csv"]
    for obj in objs:
        assert_contract_object(obj, obj["file"])
    _assert_one_error_line(proc.stderr, f"bad.csv:{bad_line}")


def test_missing_file_among_good_ones(recdir: Path) -> None:
    proc = run_analyze(recdir, "missing.csv", "stretch.csv", "--json")
    assert proc.returncode != 0
    assert [o["file"] for o in json_lines(proc.stdout)] == ["stretch.csv"]
    _assert_one_error_line(proc.stderr, "missing.csv")


def test_bad_prescription_json(recdir: Path) -> None:
    proc = run_analyze(recdir, "raise.csv", "--json", "--prescription", "bad_prescription.json")
    assert proc.returncode == 2
    assert proc.stdout == ""
    _assert_one_error_line(proc.stderr, "bad_prescription.json:2")
