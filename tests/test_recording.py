"""The recording reader/writer against CONTRACT §2 (CSV format, version 1)."""

from __future__ import annotations

import io
import math
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensors import recording
from sensors.chunk import ImuChunk
from sensors.errors import RecordingError, UserError
from sensors.recording import (
    STANDARD_GRAVITY_MS2,
    RecordingWriter,
    WholeReadNeeded,
    parse_recording,
    read_recording,
    recording_blocks,
    write_recording,
)

REPO = Path(__file__).resolve().parents[1]
HEADER = "t_s,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps"
SHANK_HEADER = HEADER + ",shank_ax_g,shank_ay_g,shank_az_g,shank_gx_dps,shank_gy_dps,shank_gz_dps"
# The writer prints t_s and g with 6 decimals, deg/s with 4: half a unit in the last place.
T_TOL_S, ACC_TOL_G, GYR_TOL_DPS = 5.01e-7, 5.01e-7, 5.01e-5


@pytest.fixture(autouse=True, params=["numpy", "pandas"])
def c_reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test twice: with numpy.loadtxt (short files) and pandas' reader (long ones).

    Both must accept and refuse exactly the same files; which one reads a file
    depends only on the size of its data rows (``recording.PANDAS_MIN_BYTES``).
    """
    monkeypatch.setattr(recording, "PANDAS_MIN_BYTES", 0 if request.param == "pandas" else 1 << 62)
    return str(request.param)


def rows(n: int, dt_s: float = 0.01) -> str:
    """``n`` valid data rows (sensor at rest, +1 g on z)."""
    return "".join(f"{i * dt_s:.4f},0,0,1,0.5,-0.5,0\n" for i in range(n))


def write(tmp_path: Path, text: str | bytes, name: str = "rec.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def refused(path: Path | str, line: int | None, *words: str) -> RecordingError:
    """Read ``path``, expect a refusal naming the file, ``line`` and every word."""
    with pytest.raises(RecordingError) as info:
        read_recording(path)
    err = info.value
    msg = str(err)
    assert isinstance(err, UserError)
    assert err.path == os.fspath(path)
    assert err.line == line, msg
    where = f"{os.fspath(path)}:{line}: " if line is not None else f"{os.fspath(path)}: "
    assert msg.startswith(where), msg
    assert "\n" not in msg
    for word in words:
        assert word in err.reason, msg
    return err


# --------------------------------------------------------------------------- round trip

finite = dict(allow_nan=False, allow_infinity=False)


@st.composite
def chunks(draw: st.DrawFn, shank: bool | None = None) -> ImuChunk:
    """Random chunks: non-decreasing t_s with jitter, repeats and gaps; optional shank."""
    n = draw(st.integers(1, 40))
    t0 = draw(st.floats(-1e4, 1e4, **finite))
    steps = draw(
        st.lists(
            st.one_of(st.just(0.0), st.floats(0, 0.05, **finite), st.floats(0.5, 30, **finite)),
            min_size=n - 1,
            max_size=n - 1,
        )
    )
    t = t0 + np.concatenate([[0.0], np.cumsum(steps)])

    def arr(lim: float) -> np.ndarray:
        values = draw(st.lists(st.floats(-lim, lim, **finite), min_size=3 * n, max_size=3 * n))
        return np.array(values).reshape(n, 3)

    with_shank = draw(st.booleans()) if shank is None else shank
    if with_shank:
        return ImuChunk(t, arr(16.0), arr(2000.0), arr(16.0), arr(2000.0))
    return ImuChunk(t, arr(16.0), arr(2000.0))


metadata_st = st.dictionaries(
    st.from_regex(r"[a-z][a-z0-9_.-]{0,15}", fullmatch=True),
    st.text(
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Zs")),
        max_size=20,
    ),
    max_size=6,
)


def assert_same(a: ImuChunk, b: ImuChunk) -> None:
    assert len(a) == len(b)
    np.testing.assert_allclose(b.t_s, a.t_s, rtol=0, atol=T_TOL_S)
    np.testing.assert_allclose(b.accel_g, a.accel_g, rtol=0, atol=ACC_TOL_G)
    np.testing.assert_allclose(b.gyro_dps, a.gyro_dps, rtol=0, atol=GYR_TOL_DPS)
    assert a.has_shank == b.has_shank
    if a.has_shank:
        np.testing.assert_allclose(b.shank_accel_g, a.shank_accel_g, rtol=0, atol=ACC_TOL_G)
        np.testing.assert_allclose(b.shank_gyro_dps, a.shank_gyro_dps, rtol=0, atol=GYR_TOL_DPS)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(chunk=chunks(), metadata=metadata_st)
def test_round_trip_file(tmp_path: Path, chunk: ImuChunk, metadata: dict[str, str]) -> None:
    path = tmp_path / "rt.csv"
    write_recording(path, chunk, metadata)
    rec = read_recording(path)
    assert_same(chunk, rec.chunk)
    assert rec.metadata == metadata
    assert rec.path == str(path)


@settings(max_examples=40, deadline=None)
@given(parts=st.lists(chunks(shank=True), min_size=1, max_size=4))
def test_streaming_writer_equals_one_shot(parts: list[ImuChunk]) -> None:
    # Make the parts consecutive in time, as a live recording would be.
    shifted, t_end = [], 0.0
    for c in parts:
        t = c.t_s - c.t_s[0] + t_end
        shifted.append(ImuChunk(t, c.accel_g, c.gyro_dps, c.shank_accel_g, c.shank_gyro_dps))
        t_end = float(t[-1])
    whole = ImuChunk.concat(shifted)
    streamed, one_shot = io.StringIO(), io.StringIO()
    with RecordingWriter(streamed, {"rate_hz": 100}, shank=True) as w:
        for c in shifted:
            w.write(c)
        w.write(ImuChunk.empty(with_shank=True))  # empty chunks are no-ops
    assert w.samples_written == len(whole)
    write_recording(one_shot, whole, {"rate_hz": 100})
    assert streamed.getvalue() == one_shot.getvalue()
    assert_same(whole, parse_recording(streamed.getvalue()).chunk)


@settings(max_examples=40, deadline=None)
@given(chunk=chunks(), data=st.data())
def test_slow_path_agrees_with_fast_path(chunk: ImuChunk, data: st.DataObject) -> None:
    """Comments and blank lines anywhere in the body; both parsers give the same samples."""
    buf = io.StringIO()
    write_recording(buf, chunk)
    out = []
    for line in buf.getvalue().split("\n"):
        out.append(line)
        out += data.draw(st.lists(st.sampled_from(["", "  ", "# note, with, commas", "\t#x"])))
    text = "\n".join(out)
    fast = parse_recording(text).chunk
    with mock.patch.object(recording, "_fast_parse", return_value=None):
        slow = parse_recording(text).chunk
    assert_same(chunk, fast)
    for name in ("t_s", "accel_g", "gyro_dps", "shank_accel_g", "shank_gyro_dps"):
        np.testing.assert_array_equal(getattr(slow, name), getattr(fast, name))


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 60),
    data=st.data(),
    bad=st.sampled_from(["abc", "", "nan", "inf", "-Infinity", "1e999", "1_0", "0x1", "1,5"]),
)
def test_bad_field_anywhere_is_refused_at_its_line(n: int, data: st.DataObject, bad: str) -> None:
    """The fast path must hand over to the slow path and name the exact line."""
    comments = data.draw(st.integers(0, 3))
    body = rows(n).splitlines()
    k = data.draw(st.integers(0, n - 1))
    col = data.draw(st.integers(1, 6))
    fields = body[k].split(",")
    fields[col] = bad
    body[k] = ",".join(fields)
    text = "# c\n" * comments + HEADER + "\n" + "\n".join(body) + "\n"
    with pytest.raises(RecordingError) as info:
        parse_recording(text, "f.csv")
    assert info.value.line == comments + 2 + k
    assert str(info.value).startswith(f"f.csv:{comments + 2 + k}: ")


def test_written_file_layout(tmp_path: Path) -> None:
    chunk = ImuChunk([0.0, 0.01], [[0, 0, 1], [0, 0, 1]], [[1, 2, 3], [4, 5, 6]])
    path = tmp_path / "x.csv"
    write_recording(path, chunk, {"rate_hz": 100, "leg": "left"})
    raw = path.read_bytes()
    assert b"\r" not in raw
    lines = raw.decode("utf-8").splitlines()
    assert lines[0].startswith("#")
    assert lines[1:3] == ["# rate_hz=100", "# leg=left"]
    assert lines[3] == HEADER
    assert lines[4] == "0.000000,0.000000,0.000000,1.000000,1.0000,2.0000,3.0000"


@pytest.mark.parametrize(
    "metadata",
    [{"note": "two\nlines"}, {"a key": 1}, {"": 1}, {"k=v": 1}, {"k": "a\rb"}],
)
def test_writer_refuses_metadata_that_cannot_be_one_line(metadata: dict) -> None:
    buf = io.StringIO()
    with pytest.raises(ValueError):
        RecordingWriter(buf, metadata)
    assert buf.getvalue() == ""  # nothing half-written


def test_writer_refuses_what_the_reader_would_refuse() -> None:
    ok = ImuChunk([0.0, 1.0], np.zeros((2, 3)), np.zeros((2, 3)))
    w = RecordingWriter(io.StringIO())
    w.write(ok)
    with pytest.raises(ValueError, match="non-decreasing"):
        w.write(ImuChunk([0.5], np.zeros((1, 3)), np.zeros((1, 3))))  # before the last one
    with pytest.raises(ValueError, match="NaN"):
        w.write(ImuChunk([2.0], [[0, math.nan, 1]], np.zeros((1, 3))))
    with pytest.raises(ValueError, match="shank"):
        w.write(ImuChunk([3.0], np.zeros((1, 3)), np.zeros((1, 3)), np.zeros((1, 3)),
                         np.zeros((1, 3))))  # fmt: skip
    assert w.samples_written == 2


# --------------------------------------------------------------------------- accepted variants


def test_units_by_column_suffix(tmp_path: Path) -> None:
    text = (
        "t_s,ax_ms2,ay_ms2,az_ms2,gx_rads,gy_rads,gz_rads,"
        "shank_ax_g,shank_ay_g,shank_az_g,shank_gx_rads,shank_gy_rads,shank_gz_rads\n"
        f"0,{STANDARD_GRAVITY_MS2},0,-19.6133,{math.pi},0,-{math.pi / 2},0,1,0,1,0,0\n"
    )
    rec = read_recording(write(tmp_path, text))
    np.testing.assert_allclose(rec.chunk.accel_g, [[1.0, 0.0, -2.0]], atol=1e-12)
    np.testing.assert_allclose(rec.chunk.gyro_dps, [[180.0, 0.0, -90.0]], atol=1e-9)
    np.testing.assert_allclose(rec.chunk.shank_accel_g, [[0.0, 1.0, 0.0]])
    np.testing.assert_allclose(rec.chunk.shank_gyro_dps, [[math.degrees(1.0), 0, 0]])
    assert STANDARD_GRAVITY_MS2 == 9.80665


def test_columns_in_any_order_and_extra_columns_ignored(tmp_path: Path) -> None:
    text = (
        "note,gz_dps,az_g,t_s,extra,gy_dps,ay_g,gx_dps,ax_g,label\n"
        "hello world,3,0.9,10.5,,2,0.2,1,0.1,sit\n"
        "n/a,6,1.1,10.6,x;y,5,0.5,4,0.4,\n"
    )
    rec = read_recording(write(tmp_path, text))
    np.testing.assert_array_equal(rec.chunk.t_s, [10.5, 10.6])
    np.testing.assert_array_equal(rec.chunk.accel_g, [[0.1, 0.2, 0.9], [0.4, 0.5, 1.1]])
    np.testing.assert_array_equal(rec.chunk.gyro_dps, [[1, 2, 3], [4, 5, 6]])
    assert not rec.chunk.has_shank
    # text in a column nobody reads keeps a file on the fast path (no per-line parse)
    with mock.patch.object(recording, "_slow_parse", side_effect=AssertionError("slow")):
        assert len(read_recording(write(tmp_path, text)).chunk) == 2


def test_comments_metadata_and_blank_lines(tmp_path: Path) -> None:
    text = (
        "# a free comment, with commas\n"
        "\n"
        "# rate_hz=100\n"
        "#sensor=mpu6050\n"
        "#   leg =  left  \n"
        "# exercise=seated_leg_raise\n"
        "# not metadata: a=b\n"
        "# url=http://x/?a=b\n"
        f"{HEADER}\n"
        "0,0,0,1,0,0,0\n"
        "# a comment between rows, 1,2,3\n"
        "\n"
        "   \n"
        "  # indented comment\n"
        "# late=not_metadata\n"
        "0.01,0,0,1,0,0,0\n"
        "\n"
    )
    rec = read_recording(write(tmp_path, text))
    assert len(rec.chunk) == 2
    assert rec.metadata == {
        "rate_hz": "100",
        "sensor": "mpu6050",
        "leg": "left",
        "exercise": "seated_leg_raise",
        "url": "http://x/?a=b",
    }


def test_crlf_and_bom(tmp_path: Path) -> None:
    text = "# rate_hz=50\r\n" + HEADER + "\r\n" + rows(3).replace("\n", "\r\n")
    rec = read_recording(write(tmp_path, b"\xef\xbb\xbf" + text.encode()))
    assert len(rec.chunk) == 3
    assert rec.metadata == {"rate_hz": "50"}
    np.testing.assert_array_equal(rec.chunk.gyro_dps[:, 0], 0.5)
    assert len(parse_recording("\ufeff" + text).chunk) == 3  # BOM also when given as text
    # line numbers in CRLF files are counted like in an editor
    bad = text + "0.03,0,0,1,0,0\r\n"
    refused(write(tmp_path, bad, "bad.csv"), 6, "expected 7", "found 6")


def test_jitter_gaps_and_repeats_preserved(tmp_path: Path) -> None:
    t = [0.0, 0.0101, 0.0199, 0.0199, 0.5, 0.51, 12.25]
    text = HEADER + "\n" + "".join(f"{x},0,0,1,0,0,0\n" for x in t)
    rec = read_recording(write(tmp_path, text))
    np.testing.assert_array_equal(rec.chunk.t_s, t)
    assert rec.duration_s == pytest.approx(12.25)


def test_negative_time_origin_and_whitespace_around_fields(tmp_path: Path) -> None:
    text = " t_s , ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps\n-5.5 , 1e-3,+2,-.5,5.,0,0\n"
    rec = read_recording(write(tmp_path, text))
    np.testing.assert_array_equal(rec.chunk.t_s, [-5.5])
    np.testing.assert_array_equal(rec.chunk.accel_g, [[1e-3, 2, -0.5]])


def test_rate_from_timestamps(tmp_path: Path) -> None:
    rec = read_recording(write(tmp_path, "# rate_hz=5\n" + HEADER + "\n" + rows(50, 0.01)))
    assert rec.rate_hz == pytest.approx(100.0)  # t_s is authoritative, not the comment


def test_large_file_error_on_last_row(tmp_path: Path) -> None:
    n = 20_000
    text = HEADER + "\n" + rows(n) + "1e9,0,0,1,0,0,oops\n"
    refused(write(tmp_path, text), n + 2, "field 7", "'oops'")


# --------------------------------------------------------------------------- refusals

R = rows(2)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        pytest.param("time,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps\n" + R, 1, ["t_s"], id="no-t_s"),
        pytest.param("# c\n# d\nax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps\n1,2,3,4,5,6\n", 3, ["t_s"],
                     id="no-t_s-after-comments"),
        pytest.param("t_s,ax_g,ay_g,gx_dps,gy_dps,gz_dps\n0,0,0,0,0,0\n", 1, ["ax_g", "az_g"],
                     id="partial-accel"),
        pytest.param("t_s,ax_g,ay_g,az_g,gx_rads,gz_rads\n0,0,0,1,0,0\n", 1, ["gy_rads"],
                     id="partial-gyro"),
        pytest.param("t_s,ax_g,ay_g,az_ms2,gx_dps,gy_dps,gz_dps\n" + R, 1, ["az_g"],
                     id="mixed-accel-units"),
        pytest.param("t_s,ax_g,ay_g,az_g\n0,0,0,1\n", 1, ["angular rate"], id="no-gyro"),
        pytest.param("t_s,gx_dps,gy_dps,gz_dps\n0,0,0,1\n", 1, ["acceleration"], id="no-accel"),
        pytest.param("t_s,ax_g,ay_g,az_g,ax_ms2,ay_ms2,az_ms2,gx_dps,gy_dps,gz_dps\n"
                     "0,0,0,1,0,0,9.8,0,0,0\n", 1, ["both", "ax_g", "ax_ms2"],
                     id="two-accel-unit-sets"),
        pytest.param(HEADER + ",ay_g\n0,0,0,1,0,0,0,0\n", 1, ["'ay_g'", "twice"],
                     id="duplicate-column"),
        pytest.param(HEADER + ",shank_ax_g,shank_ay_g\n0,0,0,1,0,0,0,0,0\n", 1,
                     ["shank_ax_g", "shank_az_g"], id="shank-partial-axes"),
        pytest.param(HEADER + ",shank_ax_g,shank_ay_g,shank_az_g\n0,0,0,1,0,0,0,0,0,1\n", 1,
                     ["shank_gx_dps"], id="shank-no-gyro"),
        pytest.param(HEADER + "\n0,0,0,1,0,0,0\n0.1,0,zero,1,0,0,0\n", 3,
                     ["field 3", "not a number", "'zero'"], id="non-numeric"),
        pytest.param(HEADER + "\n0,0,0,1,0,0,0\n0.1,0,0,1,,0,0\n", 3, ["field 5", "empty"],
                     id="empty-field"),
        pytest.param(HEADER + "\n" + R + "0.1,0,0,NaN,0,0,0\n", 4, ["field 4", "finite"],
                     id="nan"),
        pytest.param(HEADER + "\n" + R + "0.1,0,0,1,0,0,-inf\n", 4, ["field 7", "finite"],
                     id="inf"),
        pytest.param(HEADER + "\n" + R + "inf,0,0,1,0,0,0\n", 4, ["field 1", "finite"],
                     id="inf-time"),
        pytest.param(HEADER + "\n" + R + "0.1,0,0,1,0,0\n", 4, ["expected 7", "found 6"],
                     id="too-few-fields"),
        pytest.param(HEADER + "\n" + R + "0.1,0,0,1,0,0,0,9\n", 4, ["expected 7", "found 8"],
                     id="too-many-fields"),
        pytest.param(HEADER + "\n0.1,0,0,1,0,0,0,9\n" + R, 2, ["expected 7", "found 8"],
                     id="too-many-fields-first-row"),
        pytest.param(HEADER + "\n" + R + "0.005,0,0,1,0,0,0\n", 4,
                     ["backwards", "0.01", "0.005", "non-decreasing"], id="t-backwards"),
        pytest.param(HEADER + "\n" + R + "0.1,0,0,1,0,0,0 # inline\n", 4, ["not a number"],
                     id="inline-comment-is-not-a-comment"),
        pytest.param(HEADER + "\n0;0;0;1;0;0;0\n", 2, ["expected 7", "found 1"],
                     id="semicolons"),
    ],
)
def test_refusals_with_line(tmp_path: Path, text: str, line: int, words: list[str]) -> None:
    refused(write(tmp_path, text), line, *words)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param("", ["no header"], id="empty-file"),
        pytest.param("# only\n# comments=1\n\n", ["no header"], id="only-comments"),
        pytest.param(HEADER + "\n", ["no samples"], id="header-only"),
        pytest.param(HEADER, ["no samples"], id="header-no-newline"),
        pytest.param(HEADER + "\n\n  \n", ["no samples"], id="header-blank-lines"),
        pytest.param(HEADER + "\n# c, d\n# e\n", ["no samples"], id="header-then-comments"),
    ],
)
def test_refusals_without_line(tmp_path: Path, text: str, words: list[str]) -> None:
    refused(write(tmp_path, text), None, *words)


def test_refuses_non_utf8(tmp_path: Path) -> None:
    raw = (HEADER + "\n0,0,0,1,0,0,0\n").encode() + b"0.1,0,0,1,0,0,0 \xff\xfe\n"
    refused(write(tmp_path, raw), 3, "UTF-8")
    latin1 = "# place=Malmö\n".encode("latin-1") + (HEADER + "\n" + R).encode()
    refused(write(tmp_path, latin1, "latin1.csv"), 1, "UTF-8")


def test_refuses_missing_file_and_directory(tmp_path: Path) -> None:
    refused(tmp_path / "nope.csv", None, "no such file")
    refused(tmp_path, None, "directory")


def test_refusal_message_is_one_line_with_path(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n" + R + "x,0,0,1,0,0,0\n", "my file.csv")
    err = refused(path, 4, "field 1")
    assert str(err) == f"{path}:4: field 1 is not a number: 'x'"


# --------------------------------------------------------------------------- CLI


def test_convert_bad_data_root_is_one_line_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-data"
    proc = subprocess.run(
        [sys.executable, "-m", "firmware_py.cli", "convert",
         "--data-root", str(missing), "--out", str(tmp_path / "out")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(missing) in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()  # nothing written on a bad input


def test_long_files_are_read_by_pandas(tmp_path: Path, c_reader: str) -> None:
    """Data rows of PANDAS_MIN_BYTES or more: pandas reads, else numpy; the same samples."""
    chunk = ImuChunk(
        np.arange(3000) * 0.01,
        np.random.default_rng(1).normal(0, 1, (3000, 3)),
        np.random.default_rng(2).normal(0, 90, (3000, 3)),
    )
    path = tmp_path / "r.csv"
    write_recording(path, chunk)
    raw = path.read_bytes()
    size = len(raw) - (raw.index(b"\n", raw.index(b"t_s,")) + 1)  # the data rows'
    seen: list[str] = []
    for name in ("_pandas_parse", "_numpy_parse"):
        real = getattr(recording, name)

        def spy(*args: object, _real=real, _name=name) -> object:
            seen.append(_name)
            return _real(*args)

        mock.patch.object(recording, name, spy).start()
    try:
        recording.PANDAS_MIN_BYTES = size  # (the fixture's monkeypatch restores it)
        big = read_recording(path).chunk
        recording.PANDAS_MIN_BYTES = size + 1
        small = read_recording(path).chunk
    finally:
        mock.patch.stopall()
    assert seen == ["_pandas_parse", "_numpy_parse"]
    for name in ("t_s", "accel_g", "gyro_dps"):
        np.testing.assert_array_equal(getattr(big, name), getattr(small, name))


# --------------------------------------------------------------------------- block reader


def assert_identical(a: ImuChunk, b: ImuChunk) -> None:
    for name in ("t_s", "accel_g", "gyro_dps", "shank_accel_g", "shank_gyro_dps"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert np.array_equal(x, y), name


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(chunk=chunks(), metadata=metadata_st, block_bytes=st.integers(1, 3000))
def test_blocks_are_the_whole_files_samples_bit_for_bit(
    tmp_path: Path, chunk: ImuChunk, metadata: dict[str, str], block_bytes: int
) -> None:
    path = tmp_path / "r.csv"
    write_recording(path, chunk, metadata)
    blocks = list(recording_blocks(path, block_bytes))
    assert all(len(b) for b in blocks)
    assert_identical(ImuChunk.concat(blocks), read_recording(path).chunk)


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_blocks_of_a_crlf_file_with_comments_and_a_bom(tmp_path: Path, bom: bytes) -> None:
    text = "# rate_hz=100\r\n" + HEADER + "\r\n" + rows(300).replace("\n", "\r\n")
    lines = text.split("\r\n")
    lines.insert(150, "# a note between rows, 1,2,3")
    path = write(tmp_path, bom + "\r\n".join(lines).encode())
    whole = read_recording(path).chunk
    for block_bytes in (1, 500, 1 << 20):
        assert_identical(ImuChunk.concat(list(recording_blocks(path, block_bytes))), whole)


def _late(tmp_path: Path, tail: str | bytes, name: str) -> Path:
    """200 good rows, then ``tail``, then 200 more rows (later in time)."""
    head = (HEADER + "\n" + rows(200)).encode()
    more = "".join(f"{5 + i * 0.01:.4f},0,0,1,0.5,-0.5,0\n" for i in range(200)).encode()
    return write(tmp_path, head + (tail.encode() if isinstance(tail, str) else tail) + more, name)


@pytest.mark.parametrize(
    ("tail", "whole_reads"),
    [
        ("1.0,0,0,1,0,0,oops\n", False),  # a bad field: read_recording names its line
        (b"# caf\xe9\n", False),  # not UTF-8 (in a comment, which no parser reads)
        ("1.0,0,0,1,0,0,0\n", False),  # time goes backwards
        ("   \n", True),  # a blank line of spaces: numpy's reader objects, pandas' not
        ("# a long comment block\n" * 200, True),  # blocks of comments only: no samples
    ],
)
def test_the_block_reader_gives_up_or_gives_what_the_whole_read_gives(
    tmp_path: Path, tail: str | bytes, whole_reads: bool
) -> None:
    """Never other samples than read_recording's: the same ones, or it gives up
    (and must, where read_recording refuses the file)."""
    path = _late(tmp_path, tail, "late.csv")
    try:
        blocks = list(recording_blocks(path, 400))
    except WholeReadNeeded:
        blocks = None
    if not whole_reads:
        assert blocks is None
        with pytest.raises(RecordingError):
            read_recording(path)
    elif blocks is not None:
        assert_identical(ImuChunk.concat(blocks), read_recording(path).chunk)
    else:
        assert len(read_recording(path).chunk) == 400


def test_the_block_reader_gives_up_part_way(tmp_path: Path) -> None:
    """A bad row late in the file: some blocks first, then WholeReadNeeded."""
    got: list[ImuChunk] = []
    with pytest.raises(WholeReadNeeded):
        for block in recording_blocks(_late(tmp_path, "9,0,0,1,0,0,x\n", "l.csv"), 400):
            got.append(block)
    assert sum(len(b) for b in got) >= 100


@pytest.mark.parametrize(
    "text",
    ["", "# only a comment\n", HEADER + "\n", HEADER + "\n \n\n", "t_s,x\n0,1\n"],
)
def test_no_blocks_from_a_file_read_recording_refuses(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(WholeReadNeeded):
        list(recording_blocks(path))
    with pytest.raises(RecordingError):
        read_recording(path)
    with pytest.raises(WholeReadNeeded):
        list(recording_blocks(tmp_path / "missing.csv"))
