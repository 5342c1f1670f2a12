"""The two-process ``analyze`` (firmware_py.pipeline): the same answer as one process.

The child reads and tracks, this process counts; what crosses the pipe must
change nothing (events compared by ``repr``, so a NaN or -0.0 would show), a
bad file must still be one line naming file and line, and a child that fails
must not leave the parent waiting.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import firmware_py.pipeline as pipeline
from analysis.core import RepCounter
from analysis.offline import analyze_chunk, analyze_tracked
from analysis.tracking import Tracking
from sensors import recording
from sensors.errors import UserError
from sensors.recording import read_recording, write_recording
from sensors.sim import SimConfig, simulate

CONFIGS = {
    "raise_gaps.csv": SimConfig("seated_leg_raise", reps=6, seed=5, gaps=True, jitter=True),
    "kick_shank.csv": SimConfig("seated_leg_kick", reps=5, seed=2, shank=True, rate_hz=50.0),
    "stretch.csv": SimConfig("raised_leg_stretch", reps=4, seed=8, condition="short_hold"),
}


@pytest.fixture(scope="module")
def recdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("pipeline")
    for name, cfg in CONFIGS.items():
        write_recording(d / name, simulate(cfg).chunk, {"sensor": "sim"})
    return d


@pytest.mark.parametrize("name", sorted(CONFIGS))
@pytest.mark.parametrize("exercise", ["auto", "seated_leg_raise"])
def test_two_processes_give_the_same_events(recdir: Path, name: str, exercise: str) -> None:
    path = str(recdir / name)
    one = analyze_chunk(read_recording(path).chunk, exercise)
    two = pipeline.analyze_file(path, exercise, jobs=2)
    assert one.summary.count > 0
    assert repr(two.events) == repr(one.events)


def test_small_blocks_cross_the_pipe_unchanged(
    recdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many blocks (one per 0.5 s; CSV parsed 3 kB at a time), calibration in the
    middle of one: still the same."""
    monkeypatch.setattr(pipeline, "BLOCK_SAMPLES", 37)
    monkeypatch.setattr(pipeline, "READ_BLOCK_BYTES", 3000)
    path = str(recdir / "raise_gaps.csv")
    one = analyze_chunk(read_recording(path).chunk, "auto")
    assert repr(pipeline.analyze_file(path, "auto", jobs=2).events) == repr(one.events)


def test_tracked_items_are_the_counters_own_first_stage(recdir: Path) -> None:
    """analyze_tracked on Tracking's items, fed in pieces, equals the counter fed samples."""
    chunk = read_recording(recdir / "kick_shank.csv").chunk
    tracking = Tracking()
    batches = [tracking.feed(chunk.slice(i, i + 250)) for i in range(0, len(chunk), 250)]
    kinds = [type(item).__name__ for batch in batches for item in batch]
    assert kinds.count("CalibratedAt") == 1 and kinds[0] == "CalibratedAt"
    assert repr(analyze_tracked(batches).events) == repr(analyze_chunk(chunk).events)


def test_tracked_blocks_need_their_calibration_first(recdir: Path) -> None:
    chunk = read_recording(recdir / "stretch.csv").chunk
    items = Tracking().feed(chunk)
    counter = RepCounter("auto")
    with pytest.raises(ValueError, match="before CalibratedAt"):
        counter.feed_tracked(items[1:])


def test_bad_file_is_one_user_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    chunk = simulate(SimConfig("seated_leg_raise", reps=2, seed=1)).chunk
    write_recording(path, chunk, {})
    lines = path.read_text().splitlines()
    lines[40] = "0.5,abc,0,1,0,0,0"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(UserError) as info:
        pipeline.analyze_file(str(path), "auto", jobs=2)
    assert str(info.value).startswith(f"{path}:41: ")
    assert "\n" not in str(info.value)


def _with_late_lines(tmp_path: Path, at: int, lines: list[str]) -> Path:
    path = tmp_path / "late.csv"
    write_recording(path, simulate(SimConfig("seated_leg_raise", reps=3, seed=4)).chunk, {})
    text = path.read_text().splitlines()
    path.write_text("\n".join(text[:at] + lines + text[at:]) + "\n")
    return path


def test_a_block_reader_that_gives_up_late_starts_over_to_the_same_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line of spaces (numpy's reader objects, so the block reader gives up there;
    the whole read reads it): the child starts over, the blocks counted are dropped."""
    monkeypatch.setattr(pipeline, "READ_BLOCK_BYTES", 3000)
    monkeypatch.setattr(recording, "PANDAS_MIN_BYTES", 1 << 62)  # (numpy's reader)
    path = _with_late_lines(tmp_path, 2000, ["   "])
    one = analyze_chunk(read_recording(path).chunk, "auto")
    assert one.summary.count > 0
    assert repr(pipeline.analyze_file(str(path), "auto", jobs=2).events) == repr(one.events)


def test_a_bad_row_late_in_the_file_is_still_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "READ_BLOCK_BYTES", 3000)
    path = _with_late_lines(tmp_path, 3000, ["99.5,0,0,1,0,0,oops"])
    with pytest.raises(UserError) as info:
        pipeline.analyze_file(str(path), "auto", jobs=2)
    assert str(info.value).startswith(f"{path}:3001: ") and "\n" not in str(info.value)


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="nothing.csv"):
        pipeline.analyze_file(str(tmp_path / "nothing.csv"), "auto", jobs=2)


class _Broken(Tracking):
    def feed(self, chunk):  # type: ignore[no-untyped-def]
        raise ValueError("tracking broke")


def test_a_failing_child_is_reported_not_waited_for(
    recdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "Tracking", _Broken)  # (the forked child inherits it)
    with pytest.raises(RuntimeError, match="ValueError: tracking broke"):
        pipeline.analyze_file(str(recdir / "stretch.csv"), "auto", jobs=2)


def test_default_jobs_follow_size_and_cores(
    recdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small file or one core: no child. Long file on two cores: a child."""
    forks: list[int] = []
    real = pipeline._received

    def counting(conn, path):  # type: ignore[no-untyped-def]
        forks.append(1)
        return real(conn, path)

    monkeypatch.setattr(pipeline, "_received", counting)
    path = str(recdir / "stretch.csv")
    pipeline.analyze_file(path, "auto")
    assert forks == []  # far below PIPELINE_MIN_BYTES
    monkeypatch.setattr(pipeline, "PIPELINE_MIN_BYTES", 1)
    monkeypatch.setattr(pipeline, "usable_cores", lambda: 1)
    pipeline.analyze_file(path, "auto")
    assert forks == []
    monkeypatch.setattr(pipeline, "usable_cores", lambda: 2)
    pipeline.analyze_file(path, "auto")
    assert forks == [1]


def test_cli_jobs_2_matches_jobs_1(recdir: Path) -> None:
    outs = []
    files = sorted(map(str, recdir.glob("*.csv")))
    for jobs in ("1", "2"):
        p = subprocess.run(
            [sys.executable, "-m", "firmware_py.cli", "analyze", *files, "--json", "--jobs", jobs],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert p.returncode == 0, p.stderr
        outs.append(p.stdout)
    assert outs[0] == outs[1] and len(outs[0].splitlines()) == len(CONFIGS)
