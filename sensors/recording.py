"""Recordings: the CSV format of CONTRACT.md §2 (version 1).

Reader: comments (``#``) anywhere, ``# key=value`` metadata, one header, columns
matched by name with the unit in the name (``_g``/``_ms2``, ``_dps``/``_rads``),
optional ``shank_`` sensor, other columns ignored. Anything else is refused with
a :class:`RecordingError` naming the file, the line and what is wrong.

Writer: always ``g`` and ``dps``; streaming (:class:`RecordingWriter`) so the
``record`` command loses nothing if it is stopped.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO

import numpy as np

from sensors.chunk import ImuChunk
from sensors.errors import RecordingError

STANDARD_GRAVITY_MS2 = 9.80665
RAD_TO_DEG = 180.0 / math.pi

_AXES = ("x", "y", "z")
# (suffix, factor to g / deg/s); the first listed is what the writer uses.
_ACCEL_UNITS = (("g", 1.0), ("ms2", 1.0 / STANDARD_GRAVITY_MS2))
_GYRO_UNITS = (("dps", 1.0), ("rads", RAD_TO_DEG))


@dataclass
class Recording:
    """A whole recording: its samples and its ``# key=value`` metadata."""

    chunk: ImuChunk
    metadata: dict[str, str] = field(default_factory=dict)
    path: str = ""

    @property
    def duration_s(self) -> float:
        t = self.chunk.t_s
        return float(t[-1] - t[0]) if len(t) > 1 else 0.0

    @property
    def rate_hz(self) -> float:
        """Median sample rate from ``t_s`` (what the contract says is authoritative)."""
        dt = np.diff(self.chunk.t_s)
        dt = dt[dt > 0]
        return float(1.0 / np.median(dt)) if dt.size else 0.0


def _find_sensor(
    names: Mapping[str, int], prefix: str, path: str, line: int
) -> tuple[list[int], float, list[int], float] | None:
    """Column indexes and unit factors of one sensor, or None if absent entirely."""

    def group(kind: str, units: tuple[tuple[str, float], ...]) -> tuple[list[int], float] | None:
        complete: list[tuple[list[str], float]] = []
        partial = []
        for suffix, factor in units:
            cols = [f"{prefix}{kind}{a}_{suffix}" for a in _AXES]
            found = [c for c in cols if c in names]
            if len(found) == 3:
                complete.append((cols, factor))
            elif found:
                partial.append((cols, found))
        if partial:
            cols, found = partial[0]
            missing = ", ".join(c for c in cols if c not in found)
            raise RecordingError(path, line, f"header has {found[0]} but lacks {missing}")
        if len(complete) > 1:
            both = " and ".join(f"{c[0][0]}.." for c in complete)
            raise RecordingError(
                path, line, f"header has both {both}: keep one unit per quantity"
            )
        if complete:
            cols, factor = complete[0]
            return [names[c] for c in cols], factor
        return None

    acc = group("a", _ACCEL_UNITS)
    gyr = group("g", _GYRO_UNITS)
    if acc is None and gyr is None:
        return None
    if acc is None or gyr is None:
        what = (
            f"acceleration columns ({prefix}ax_g.. or {prefix}ax_ms2..)"
            if acc is None
            else f"angular rate columns ({prefix}gx_dps.. or {prefix}gx_rads..)"
        )
        raise RecordingError(path, line, f"header lacks the {what}")
    return acc[0], acc[1], gyr[0], gyr[1]


def _data_lines(text: str, start: int) -> Iterator[tuple[int, str]]:
    """(line number, line) of the data rows after the header, skipping comments/blanks.

    Lines are split on ``\\n`` only (a trailing ``\\r`` is dropped), exactly as the
    header scan counts them, so the line numbers in messages match an editor's.
    """
    for lineno, line in enumerate(text.split("\n")[start:], start=start + 1):
        line = line.removesuffix("\r")
        s = line.strip(" \t")
        if s and not s.startswith("#"):
            yield lineno, line


# What a number in a data field may look like (no ``_`` separators, no Unicode digits).
_NUMBER = re.compile(r"[ \t]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[ \t]*")
_NON_FINITE = re.compile(r"[ \t]*[+-]?(?:nan|inf|infinity)[ \t]*", re.IGNORECASE)


def _slow_parse(text: str, start: int, ncols: int, usecols: list[int], path: str) -> np.ndarray:
    """Slow path, only when the fast parse found a problem: find the first bad row, say why.

    If every row turns out to be fine (the fast reader is pickier about some
    whitespace), return the values instead, so no file is refused without a reason.
    """
    t_prev = -math.inf
    rows: list[list[float]] = []
    for lineno, line in _data_lines(text, start):
        fields = line.split(",")
        if len(fields) != ncols:
            raise RecordingError(
                path, lineno, f"expected {ncols} comma-separated fields, found {len(fields)}"
            )
        row = []
        for k, i in enumerate(usecols):
            if _NON_FINITE.fullmatch(fields[i]):
                raise RecordingError(path, lineno, f"field {i + 1} is not a finite number")
            if not _NUMBER.fullmatch(fields[i]):
                what = repr(fields[i].strip()) if fields[i].strip() else "empty"
                raise RecordingError(path, lineno, f"field {i + 1} is not a number: {what}")
            value = float(fields[i])
            if not math.isfinite(value):  # e.g. 1e999
                raise RecordingError(path, lineno, f"field {i + 1} is not a finite number")
            if k == 0:
                if value < t_prev:
                    raise RecordingError(
                        path,
                        lineno,
                        f"t_s goes backwards ({t_prev:g} then {value:g}); "
                        "it must be non-decreasing",
                    )
                t_prev = value
            row.append(value)
        rows.append(row)
    return np.array(rows, dtype=np.float64).reshape(-1, len(usecols))


_COMMENT_LINE = re.compile(rb"(?m)^[ \t]*#.*$")
_NOT_SPACE = re.compile(r"\S")  # (str.strip's whitespace: both use Py_UNICODE_ISSPACE)


# Data at least this long is parsed with pandas' C reader, 5x faster than
# numpy.loadtxt (68 MB: 0.25 s against 1.36 s); importing pandas costs 0.2 s,
# which shorter recordings (loadtxt: ~50 MB/s) would not win back.
PANDAS_MIN_BYTES = 10_000_000
_PARSE_ERRORS = (ValueError, TypeError, OverflowError, UnicodeDecodeError)


def _fast_parse(
    raw: bytes,
    start: int,
    ncols: int,
    usecols: list[int],
    end: int | None = None,
    pandas: bool | None = None,
) -> np.ndarray | None:
    """Parse the data rows (``raw[start:end]``, UTF-8) with a C reader (pandas or numpy).

    None if anything looks wrong (the slow path then names the line). Bytes,
    not text: slicing or stripping a long text copies it. ``pandas``: which
    reader (default: by the rows' size); each parses every field alone, so a
    block of rows gives the values the whole file gives.
    """
    end = len(raw) if end is None else end
    if raw.find(b"#", start, end) >= 0:
        # whole comment lines only: "0,1 # note" must stay a bad field, so the
        # readers' own comment handling (which would cut it at the #) is off
        rows: bytes | memoryview = _COMMENT_LINE.sub(b"", raw[start:end])
        commas = rows.count(b",")
    else:
        rows = memoryview(raw)[start:end]
        commas = raw.count(b",", start, end)
    if isinstance(rows, bytes) and not rows.strip():
        return None  # comments only: the slow path says there are no samples
    if pandas if pandas is not None else len(rows) >= PANDAS_MIN_BYTES:
        data = _pandas_parse(rows, ncols, usecols, commas)
    else:
        data = _numpy_parse(rows, ncols, usecols, commas)
    if data is None or data.shape[0] == 0:
        return None
    if not np.isfinite(data).all() or (np.diff(data[:, 0]) < 0).any():
        return None
    return data


def _numpy_parse(
    rows: bytes | memoryview, ncols: int, usecols: list[int], commas: int
) -> np.ndarray | None:
    """``numpy.loadtxt`` of the data rows, our columns in ``usecols`` order; None on trouble."""
    try:
        # every column: numpy then refuses a row whose number of fields differs
        data = np.loadtxt(
            io.BytesIO(rows), delimiter=",", comments=None, dtype=np.float64, ndmin=2,
            encoding="utf-8",
        )  # fmt: skip
        if data.shape[1] != ncols:
            return None  # rows with another number of fields than the header
        return data if usecols == list(range(ncols)) else data[:, usecols]
    except _PARSE_ERRORS:
        # a column we do not read may hold text: read ours, count the fields apart
        try:
            data = np.loadtxt(
                io.BytesIO(rows), delimiter=",", comments=None, usecols=usecols,
                dtype=np.float64, ndmin=2, encoding="utf-8",
            )  # fmt: skip
        except _PARSE_ERRORS:
            return None
        return data if commas == (ncols - 1) * data.shape[0] else None


def _pandas_parse(
    rows: bytes | memoryview, ncols: int, usecols: list[int], commas: int
) -> np.ndarray | None:
    """pandas' C reader on the data rows, our columns in ``usecols`` order; None on trouble.

    Quotes are ordinary characters (a quoted number is no number here) and
    nothing is read as missing, so what it accepts the slow path accepts too.
    """
    import pandas as pd  # (here: its import is the cost PANDAS_MIN_BYTES weighs)

    try:
        frame = pd.read_csv(
            io.BytesIO(rows), header=None, names=list(range(ncols)), usecols=usecols,
            index_col=False, dtype=np.float64, na_filter=False, quoting=csv.QUOTE_NONE,
            engine="c", encoding="utf-8",
        )  # fmt: skip
    except (*_PARSE_ERRORS, pd.errors.ParserError):
        return None
    data = frame[usecols].to_numpy(dtype=np.float64)
    return data if commas == (ncols - 1) * data.shape[0] else None


def parse_recording(text: str, path: str = "<text>") -> Recording:
    """Parse recording text (see module doc); ``path`` only names it in errors."""
    return _parse(text, path, None)


@dataclass(frozen=True)
class _Layout:
    """What the lines before the data say: metadata, and which columns are what."""

    metadata: dict[str, str]
    header_idx: int  # (0-based line index of the header)
    ncols: int
    usecols: list[int]  # t_s, thigh accel, gyro (, shank accel, gyro)
    thigh: tuple[list[int], float, list[int], float]
    shank: tuple[list[int], float, list[int], float] | None

    def chunk(self, data: np.ndarray) -> ImuChunk:
        """The samples of parsed rows (``usecols`` order), in g and deg/s."""
        thigh, shank = self.thigh, self.shank
        return ImuChunk(
            data[:, 0],
            data[:, 1:4] * thigh[1],
            data[:, 4:7] * thigh[3],
            data[:, 7:10] * shank[1] if shank else None,
            data[:, 10:13] * shank[3] if shank else None,
        )


def _layout(text: str, path: str) -> tuple[_Layout, int]:
    """Read the metadata and the header; return them and where the data begins in ``text``."""
    metadata: dict[str, str] = {}
    header_idx = None
    header_line = ""
    pos = 0
    for i in itertools.count():
        if pos >= len(text):
            break
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line, pos = text[pos:end], end + 1
        s = line.strip()
        if not s:
            continue
        if s.startswith("#"):
            body = s[1:].strip()
            if "=" in body:
                key, _, value = body.partition("=")
                if key.strip() and " " not in key.strip():
                    metadata[key.strip()] = value.strip()
            continue
        header_idx, header_line = i, line
        break
    if header_idx is None:
        raise RecordingError(path, None, "no header line (expected t_s,ax_g,ay_g,az_g,gx_dps,...)")
    hline = header_idx + 1
    header = [h.strip() for h in header_line.split(",")]
    names: dict[str, int] = {}
    for i, h in enumerate(header):
        if h in names:
            raise RecordingError(path, hline, f"column {h!r} appears twice in the header")
        names[h] = i
    if "t_s" not in names:
        raise RecordingError(path, hline, "header lacks the time column t_s")
    thigh = _find_sensor(names, "", path, hline)
    if thigh is None:
        raise RecordingError(
            path, hline, "header lacks inertial columns (ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps)"
        )
    shank = _find_sensor(names, "shank_", path, hline)
    usecols = [names["t_s"], *thigh[0], *thigh[2]]
    if shank is not None:
        usecols += [*shank[0], *shank[2]]
    return _Layout(metadata, header_idx, len(header), usecols, thigh, shank), pos


def _parse(text: str, path: str, raw: bytes | None) -> Recording:
    """:func:`parse_recording`, given also the UTF-8 bytes of ``text`` if at hand."""
    if text.startswith("\ufeff"):
        text = text[1:]
        raw = None if raw is None else raw[len(codecs.BOM_UTF8) :]
    layout, pos = _layout(text, path)
    ncols, usecols = layout.ncols, layout.usecols
    data: np.ndarray | None
    if _NOT_SPACE.search(text, pos) is None:  # nothing after the header (as not body.strip())
        data = np.zeros((0, len(usecols)))
    else:
        try:
            if raw is None:
                raw, start = text.encode("utf-8"), len(text[:pos].encode("utf-8"))
            else:
                start = len(text[:pos].encode("utf-8"))
        except UnicodeEncodeError:  # (lone surrogates: left to the slow path to name)
            data = None
        else:
            data = _fast_parse(raw, start, ncols, usecols)
    if data is None:
        data = _slow_parse(text, layout.header_idx + 1, ncols, usecols, path)
    if data.shape[0] == 0:
        raise RecordingError(path, None, "no samples after the header")
    return Recording(layout.chunk(data), layout.metadata, path)


def read_recording(path: str | os.PathLike[str]) -> Recording:
    """Read a CONTRACT §2 CSV file, or raise a RecordingError naming file and line."""
    p = os.fspath(path)
    try:
        with open(p, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise RecordingError(p, None, "no such file") from None
    except IsADirectoryError:
        raise RecordingError(p, None, "is a directory, not a recording") from None
    except OSError as err:
        raise RecordingError(p, None, f"cannot read: {err.strerror or err}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise RecordingError(p, line, "not UTF-8 text") from None
    # the bytes too, without the BOM utf-8-sig dropped: the fast parser reads them
    return _parse(text, p, raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw)


class WholeReadNeeded(Exception):
    """:func:`recording_blocks` cannot vouch for the rest of this file: read it whole
    (:func:`read_recording` then gives its samples, or names what is wrong)."""


# a header is looked for in the first this many bytes (comments before it included)
_HEAD_BYTES = 1 << 20


def recording_blocks(
    path: str | os.PathLike[str], block_bytes: int = 1 << 20
) -> Iterator[ImuChunk]:
    """The samples of a recording a block of rows at a time, parsed as they are read on.

    Concatenated, the blocks are exactly :func:`read_recording`'s samples (each
    field is parsed alone, by the reader the whole file would use). Only the
    fast path: wherever it finds anything to object to (a bad or odd row,
    text that is not UTF-8, time going backwards across blocks), it raises
    :class:`WholeReadNeeded`, possibly after some blocks,
    and the caller starts over with :func:`read_recording`, which says what
    is wrong or reads what the fast path would not.
    """
    p = os.fspath(path)
    try:
        with open(p, "rb") as fh:
            raw = fh.read()
    except OSError:
        raise WholeReadNeeded(p) from None
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        head = codecs.getincrementaldecoder("utf-8")().decode(raw[:_HEAD_BYTES], final=False)
        layout, pos = _layout(head, p)
    except (UnicodeDecodeError, RecordingError):
        raise WholeReadNeeded(p) from None
    if pos > len(head) or head.startswith("\ufeff"):
        raise WholeReadNeeded(p)  # (no data line within the head, or a second BOM)
    start = len(head[:pos].encode("utf-8"))
    if not raw[start:].strip():
        raise WholeReadNeeded(p)  # no samples: read_recording says so
    # the reader the whole file would get (_fast_parse: by the rows' size, comments out)
    size = len(raw) - start
    if raw.find(b"#", start) >= 0:
        size = len(_COMMENT_LINE.sub(b"", raw[start:]))
    pandas = size >= PANDAS_MIN_BYTES
    t_last = -math.inf
    while start < len(raw):
        end = raw.find(b"\n", start + block_bytes)
        end = len(raw) if end < 0 else end + 1
        block = raw[start:end]
        if not block.isascii():
            try:
                block.decode("utf-8")
            except UnicodeDecodeError:
                raise WholeReadNeeded(p) from None
        if b"#" in block and not _COMMENT_LINE.sub(b"", block).strip():
            block = b""  # comment lines only: no samples here (as in the whole file)
        if block.strip():
            data = _fast_parse(raw, start, layout.ncols, layout.usecols, end, pandas)
            if data is None or data[0, 0] < t_last:
                raise WholeReadNeeded(p)
            t_last = float(data[-1, 0])
            yield layout.chunk(data)
        start = end


_META_KEY = re.compile(r"[^\s=#]+")


def _header(shank: bool) -> str:
    cols = ["t_s"] + [f"a{a}_g" for a in _AXES] + [f"g{a}_dps" for a in _AXES]
    if shank:
        cols += [f"shank_a{a}_g" for a in _AXES] + [f"shank_g{a}_dps" for a in _AXES]
    return ",".join(cols)


class RecordingWriter:
    """Append chunks to a CONTRACT §2 file as they arrive (g, deg/s)."""

    def __init__(
        self,
        target: str | os.PathLike[str] | IO[str],
        metadata: Mapping[str, object] | None = None,
        shank: bool = False,
    ) -> None:
        lines = ["# glidecount recording, format version 1"]
        for key, value in (metadata or {}).items():
            k, v = str(key), str(value).strip()
            if not _META_KEY.fullmatch(k) or "\n" in v or "\r" in v:
                raise ValueError(f"metadata {k!r}={v!r} cannot be one '# key=value' line")
            lines.append(f"# {k}={v}")
        lines.append(_header(shank))
        if isinstance(target, str | os.PathLike):
            self._fh: IO[str] = open(target, "w", encoding="utf-8", newline="\n")
            self._owns = True
        else:
            self._fh = target
            self._owns = False
        self.shank = shank
        self.samples_written = 0
        self._t_last_s = -math.inf
        self._fh.write("\n".join(lines) + "\n")

    def write(self, chunk: ImuChunk) -> None:
        """Append ``chunk``; refuses (ValueError) samples the reader would refuse."""
        if len(chunk) == 0:
            return
        if chunk.has_shank != self.shank:
            raise ValueError("chunk shank presence does not match the file header")
        t = chunk.t_s
        if t[0] < self._t_last_s or (np.diff(t) < 0).any():
            raise ValueError("t_s must be non-decreasing across the whole recording")
        arrays = [t, chunk.accel_g, chunk.gyro_dps, chunk.shank_accel_g, chunk.shank_gyro_dps]
        if not all(np.isfinite(a).all() for a in arrays if a is not None):
            raise ValueError("a recording cannot hold NaN or infinite samples")
        self._t_last_s = float(t[-1])
        cols = [chunk.t_s[:, None], chunk.accel_g, chunk.gyro_dps]
        fmt = ["%.6f"] + ["%.6f"] * 3 + ["%.4f"] * 3
        if self.shank:
            assert chunk.shank_accel_g is not None and chunk.shank_gyro_dps is not None
            cols += [chunk.shank_accel_g, chunk.shank_gyro_dps]
            fmt += ["%.6f"] * 3 + ["%.4f"] * 3
        np.savetxt(self._fh, np.hstack(cols), fmt=fmt, delimiter=",")
        self.samples_written += len(chunk)

    def flush(self) -> None:
        self._fh.flush()

    def close(self) -> None:
        self._fh.flush()
        if self._owns:
            self._fh.close()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_recording(
    target: str | os.PathLike[str] | IO[str],
    chunk: ImuChunk,
    metadata: Mapping[str, object] | None = None,
) -> None:
    """Write a whole recording in one go."""
    with RecordingWriter(target, metadata, shank=chunk.has_shank) as w:
        w.write(chunk)
