"""Scoring against truth (analysis.evaluate) with hand-made dicts, and ``glidecount eval``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from analysis.evaluate import (
    Counts,
    FileScore,
    format_errors,
    format_intervals,
    format_table,
    match_reps,
    score_alerts,
    score_file,
    summarize,
    wilson_interval,
)

RAISE = "seated_leg_raise"
STRETCH = "raised_leg_stretch"


def det(start: float, end: float, too_fast: bool = False, short_hold: bool = False) -> dict:
    """A detected rep as ``glidecount analyze --json`` prints it."""
    return {
        "start_s": start,
        "end_s": end,
        "exercise": RAISE,
        "too_fast": too_fast,
        "short_hold": short_hold,
        "hold_s": 0.5,
        "rom_deg": 20.0,
    }


def true_rep(
    start: float,
    end: float,
    exercise: str = RAISE,
    too_fast: bool = False,
    short_hold: bool = False,
    too_fast_ambiguous: bool = False,
    short_hold_ambiguous: bool = False,
) -> dict[str, Any]:
    """A true rep as the simulator's truth sidecar holds it."""
    return {
        "start_s": start,
        "end_s": end,
        "exercise": exercise,
        "too_fast": too_fast,
        "short_hold": short_hold,
        "too_fast_ambiguous": too_fast_ambiguous,
        "short_hold_ambiguous": short_hold_ambiguous,
        "phases": {},
        "hold_s": 1.0,
        "rom_deg": 20.0,
    }


def truth(reps: list[dict[str, Any]], exercise: str | None = RAISE, **extra: Any) -> dict:
    return {"exercise": exercise, "reps": reps, "count": len(reps), "condition": "normal", **extra}


THREE = [true_rep(2.0, 6.0), true_rep(8.0, 12.0, too_fast=True), true_rep(14.0, 18.0)]


# -- matching -------------------------------------------------------------------------


def test_match_exact() -> None:
    d = [det(2.1, 6.1), det(8.0, 11.9), det(14.2, 18.0)]
    assert match_reps(d, THREE) == [(0, 0), (1, 1), (2, 2)]


def test_match_is_one_to_one_by_greatest_overlap() -> None:
    # one long detection spanning two true reps matches only the one it overlaps most
    d = [det(1.0, 9.0)]
    t = [true_rep(0.0, 4.0), true_rep(5.0, 12.0)]  # overlaps of 3 s and 4 s
    assert match_reps(d, t) == [(0, 1)]
    # two detections inside one true rep: only one of them matches
    d = [det(5.0, 7.0), det(7.5, 11.5)]
    assert match_reps(d, [true_rep(5.0, 12.0)]) == [(1, 0)]


def test_match_needs_enough_overlap() -> None:
    t = [true_rep(0.0, 10.0)]
    assert match_reps([det(9.5, 20.0)], t) == []  # 0.5 s of a 10 s shorter rep: 5 %
    assert match_reps([det(6.0, 16.0)], t) == [(0, 0)]  # 4 s of 10 s: 40 %
    assert match_reps([det(10.0, 12.0)], t) == []  # touching is not overlapping


# -- per-file scores -------------------------------------------------------------------


def test_score_exact_matches() -> None:
    d = {"reps": [det(2.1, 6.1), det(8.0, 11.9, too_fast=True), det(14.2, 18.0)]}
    fs = score_file("a.csv", truth(THREE), d, 30.0)
    assert (fs.true_count, fs.count, fs.error) == (3, 3, 0)
    assert (fs.reps.tp, fs.reps.fp, fs.reps.fn) == (3, 0, 0)
    assert fs.reps.f1 == 1.0
    assert (fs.too_fast.tp, fs.too_fast.fp, fs.too_fast.fn) == (1, 0, 0)
    assert fs.too_fast.f1 == 1.0
    assert fs.short_hold.f1 is None  # not a stretch: no hold verdicts
    assert fs.timing_errors_s == pytest.approx([0.1, 0.1, 0.0, -0.1, 0.2, 0.0])


def test_score_missed_rep() -> None:
    d = {"reps": [det(2.0, 6.0), det(14.0, 18.0)]}
    fs = score_file("a.csv", truth(THREE), d, 30.0)
    assert fs.error == -1
    assert (fs.reps.tp, fs.reps.fp, fs.reps.fn) == (2, 0, 1)
    assert fs.reps.f1 == pytest.approx(0.8)
    assert fs.too_fast.f1 is None  # the only too-fast rep was missed: no verdict to score


def test_score_false_rep_and_wrong_verdict() -> None:
    d = {"reps": [det(2.0, 6.0, too_fast=True), det(8.0, 12.0), det(14.0, 18.0), det(30.0, 33.0)]}
    fs = score_file("a.csv", truth(THREE), d, 40.0)
    assert fs.error == 1
    assert (fs.reps.tp, fs.reps.fp, fs.reps.fn) == (3, 1, 0)
    assert fs.reps.f1 == pytest.approx(6 / 7)
    assert (fs.too_fast.tp, fs.too_fast.fp, fs.too_fast.fn) == (0, 1, 1)
    assert fs.too_fast.f1 == 0.0


def test_ambiguous_reps_left_out_of_verdict_f1() -> None:
    t = truth(
        [
            true_rep(2.0, 6.0, too_fast=True, too_fast_ambiguous=True),
            true_rep(8.0, 12.0, too_fast=True),
            true_rep(14.0, 18.0, too_fast_ambiguous=True),
        ]
    )
    # both ambiguous verdicts are "wrong", the clear one is right
    d = {"reps": [det(2.0, 6.0), det(8.0, 12.0, too_fast=True), det(14.0, 18.0, too_fast=True)]}
    fs = score_file("a.csv", t, d, 30.0)
    assert (fs.too_fast.tp, fs.too_fast.fp, fs.too_fast.fn) == (1, 0, 0)
    assert fs.too_fast.f1 == 1.0
    assert fs.reps.f1 == 1.0  # ambiguity affects verdicts only, not rep matching


def test_short_hold_scored_on_stretch_only_and_not_when_ambiguous() -> None:
    t = truth(
        [
            true_rep(2.0, 9.0, STRETCH, short_hold=True),
            true_rep(10.0, 17.0, STRETCH),
            true_rep(18.0, 25.0, STRETCH, short_hold=True, short_hold_ambiguous=True),
        ],
        exercise=STRETCH,
    )
    d = {
        "reps": [det(2.0, 9.0, short_hold=True), det(10.0, 17.0, short_hold=True), det(18.0, 25.0)]
    }
    fs = score_file("s.csv", t, d, 30.0)
    assert (fs.short_hold.tp, fs.short_hold.fp, fs.short_hold.fn) == (1, 1, 0)
    assert fs.short_hold.f1 == pytest.approx(2 / 3)


def test_count_only_truth() -> None:
    """Real data with a count but no rep boundaries: count error only, no F1."""
    t = {"exercise": RAISE, "count": 10, "reps": []}
    fs = score_file("real.csv", t, {"reps": [det(i, i + 3.0) for i in range(0, 36, 4)]}, 60.0)
    assert (fs.true_count, fs.count, fs.error) == (10, 9, -1)
    assert fs.condition == "real"
    assert fs.reps.f1 is None and fs.too_fast.f1 is None
    assert fs.timing_errors_s == []
    fs2 = score_file("real.csv", {"expected_count": 4, "reps": []}, {"reps": [det(0, 3)]}, 9.0)
    assert (fs2.true_count, fs2.count, fs2.exercise) == (4, 1, None)


# -- aggregation and the table ----------------------------------------------------------


def test_counts_f1_and_sum() -> None:
    c = Counts()
    assert c.f1 is None
    for predicted, actual in [(True, True), (True, False), (False, True), (False, False)]:
        c.add(predicted, actual)
    assert (c.tp, c.fp, c.fn) == (1, 1, 1)
    c += Counts(tp=3)
    assert c.f1 == pytest.approx(8 / 10)


def test_summarize() -> None:
    exact = score_file("a.csv", truth(THREE), {"reps": [det(2, 6), det(8, 12), det(14, 18)]}, 30)
    exact.recognized = RAISE
    missed = score_file("b.csv", truth(THREE), {"reps": [det(2, 6)]}, 30.0, recognized=STRETCH)
    everyday = score_file("c.csv", truth([], exercise=None), {"reps": [det(5, 8)]}, 1800.0)
    s = summarize([exact, missed, everyday])
    assert s.n == 3
    assert s.exact_pct == 50.0 and s.within1_pct == 50.0
    assert s.mae == 1.0  # |0| and |-2| over the two exercise files
    assert s.rep_f1 == pytest.approx(2 * 4 / (2 * 4 + 0 + 2))
    assert s.false_reps_per_hour == pytest.approx(2.0)  # one rep in half an hour of everyday
    assert s.recognition_pct == 50.0
    assert s.timing_mae_s == 0.0


def test_format_table() -> None:
    fs = FileScore("a.csv", RAISE, "normal", 3, 3, 30.0, reps=Counts(tp=3))
    text = format_table([("all", summarize([fs])), ("exercise=x", summarize([]))])
    head, rule, all_row, empty_row = text.splitlines()
    assert head.split()[:4] == ["group", "n", "exact%", "±1%"]
    assert set(rule) == {"-"} and len(rule) == len(head)
    assert all_row.split()[:6] == ["all", "1", "100.0", "100.0", "0.00", "1.000"]
    assert empty_row.split()[1] == "0" and "nan" not in empty_row


# -- glidecount eval -----------------------------------------------------------------------


def glidecount(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "firmware_py.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_eval_command_on_a_tiny_dataset(tmp_path: Path) -> None:
    made = glidecount("dataset", "--out", "ds", "--n", "6", "--jobs", "1", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert len(list((tmp_path / "ds").glob("*.csv.truth.json"))) == 6
    proc = glidecount(
        "eval", "ds", "--jobs", "1", "--json", "scores.jsonl", "--errors", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("dataset: ds") and "(6 recordings)" in lines[0]
    head = next(i for i, line in enumerate(lines) if line.startswith("group"))
    for col in ("n", "exact%", "MAE", "repF1", "fastF1", "holdF1", "FP/h", "recog%"):
        assert col in lines[head].split()
    rows = {line.split()[0]: line.split() for line in lines[head + 2 :]}
    assert rows["all"][1] == "6"
    assert any(name.startswith("exercise=") for name in rows)
    assert any(name.startswith("condition=") for name in rows)
    scores = (tmp_path / "scores.jsonl").read_text().splitlines()
    assert len(scores) == 6


def test_eval_command_refuses_a_folder_without_truth(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    proc = glidecount("eval", "empty", cwd=tmp_path)
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1 and "empty" in proc.stderr


def _rep(exercise: str, start: float, end: float, **phases: float) -> dict:
    return {"exercise": exercise, "start_s": start, "end_s": end, "phases": phases}


def test_alert_scoring_counts_in_time_late_and_false_alerts() -> None:
    """Too-fast phases need an alert by phase end + 0.3 s; slow reps need none."""
    fast = _rep("seated_leg_raise", 10.0, 12.0, lift_s=0.5, lower_s=1.2)  # lift ends 10.5
    slow = _rep("seated_leg_raise", 20.0, 28.0, lift_s=3.0, lower_s=3.0)
    kick = _rep("seated_leg_kick", 30.0, 31.5, total_s=1.5)
    reps = [fast, slow, kick]
    assert score_alerts(reps, [10.7, 31.0]) == (2, 2, 1, 0)
    assert score_alerts(reps, [10.9, 31.0]) == (2, 1, 1, 0)  # 0.4 s after the lift: late
    assert score_alerts(reps, [10.7, 22.0]) == (2, 1, 1, 1)  # kick missed, slow rep alerted
    ambiguous = _rep("seated_leg_raise", 40.0, 43.0, lift_s=1.5, lower_s=1.5)
    assert score_alerts([ambiguous], [40.5]) == (0, 0, 0, 0)  # either verdict is fine


def test_errors_list_missed_and_extra_reps_with_activities_around() -> None:
    t = truth(THREE, everyday=[{"kind": "shift_in_chair", "start_s": 19.0, "end_s": 21.0}])
    d = {"reps": [det(2.0, 6.0), det(20.0, 21.5)]}
    fs = score_file("a.csv", t, d, 60.0)
    assert fs.missed == [(8.0, 12.0), (14.0, 18.0)]
    assert fs.extra == [(20.0, 21.5, ("shift_in_chair",))]
    text = format_errors([fs, score_file("b.csv", truth(THREE), {"reps": [det(*r) for r in [
        (2.0, 6.0), (8.0, 12.0), (14.0, 18.0)]]}, 60.0)])  # fmt: skip
    assert text.splitlines() == [
        "a.csv: seated_leg_raise normal true=3 got=2",
        "  missed 8.0-12.0 s",
        "  missed 14.0-18.0 s",
        "  extra  20.0-21.5 s (during shift_in_chair)",
    ]  # b.csv was right: not listed


def test_wilson_interval_textbook_values() -> None:
    """Wilson 95 % intervals: 0/10 -> [0, z²/(n+z²)], 5/10 -> 0.5 ± 0.2634."""
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and abs(hi - 3.8416 / 13.8416) < 1e-12
    lo, hi = wilson_interval(5, 10)
    assert abs(lo - 0.23659) < 1e-4 and abs(hi - 0.76341) < 1e-4
    # more recordings, the same rate: a narrower interval that still holds the rate
    lo2, hi2 = wilson_interval(500, 1000)
    assert lo < lo2 < 0.5 < hi2 < hi


def test_format_intervals_counts_only_exercise_sets() -> None:
    good = FileScore(file="a", exercise="seated_leg_raise", condition="normal",
                     true_count=5, count=5, duration_s=60.0)  # fmt: skip
    off = FileScore(file="b", exercise="seated_leg_raise", condition="normal",
                    true_count=5, count=3, duration_s=60.0)  # fmt: skip
    none = FileScore(file="c", exercise=None, condition="everyday_only",
                     true_count=0, count=1, duration_s=600.0)  # fmt: skip
    s = summarize([good, off, none])
    assert (s.n_sets, s.n_exact, s.n_within1) == (2, 1, 1)
    line = format_intervals("all", s)
    assert line.startswith("all: exact 1/2 = 50.0 % (95 % interval ")
    assert "within ±1 1/2 = 50.0 %" in line
