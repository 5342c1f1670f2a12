"""The streaming resampler: grid averages, gaps, and output independent of chunking.

Its arithmetic is compiled (analysis/_resample.pyx); :class:`Reference` below is
the same algorithm in plain Python floats, and the two must give the same bits
(else the compiled build and an interpreted reading of the algorithm disagree).
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analysis.resample import GridBlock, Resampler

GRID_HZ = 25.0
MAX_GAP_S = 0.5


def stream(seed: int, n: int = 900) -> tuple[np.ndarray, np.ndarray]:
    """~100 Hz jittered timestamps with two gaps and a repeated stamp; 6 smooth columns."""
    rng = np.random.default_rng(seed)
    dt = 0.01 + rng.uniform(-0.003, 0.003, n)
    dt[0] = 0.0
    dt[200] = 0.8  # a gap: the next block is marked reset
    dt[201] = 0.0  # a repeated timestamp right after it
    dt[555] = 1.3  # another gap
    t = 12.345 + np.cumsum(dt)
    phase = rng.uniform(0, 2 * np.pi, 6)
    v = np.sin(2 * np.pi * 0.7 * t[:, None] + phase) * 40.0 + rng.normal(0, 0.5, (n, 6))
    return t, v


class Reference:
    """The resampler in plain Python: grid averages from running trapezoid integrals."""

    def __init__(self, grid_hz: float, max_gap_s: float) -> None:
        self.dt_s, self.max_gap_s = 1.0 / grid_hz, max_gap_s
        self.origin: float | None = None
        self.reset = False

    def start(self, t0: float, v0: list[float]) -> None:
        if self.origin is None:
            self.origin = t0
        else:
            self.reset = True
        self.next_k = math.ceil((t0 - self.origin) / self.dt_s - 1e-9)
        self.prev_grid: list[float] | None = None
        self.last_t, self.last_v, self.last_integral = t0, v0, [0.0] * len(v0)

    def feed(self, t_s: np.ndarray, values: np.ndarray) -> list[GridBlock]:
        t, v = t_s.tolist(), values.tolist()
        blocks: list[GridBlock] = []
        a = 0
        if self.origin is None:
            self.start(t[0], v[0])
            a = 1
        prev = self.last_t
        for j in range(a, len(t)):
            if t[j] - prev > self.max_gap_s:
                blocks += self.extend(t[a:j], v[a:j])
                self.start(t[j], v[j])
                a = j + 1
            prev = t[j]
        return blocks + self.extend(t[a:], v[a:])

    def extend(self, t: list[float], rows: list[list[float]]) -> list[GridBlock]:
        if not t:
            return []
        assert self.origin is not None
        tt, vv = [self.last_t, *t], [self.last_v, *rows]
        integ = [self.last_integral]
        for j in range(len(rows)):
            hdt = 0.5 * (tt[j + 1] - tt[j])
            acc = zip(integ[j], vv[j + 1], vv[j], strict=True)
            integ.append([i + (a + b) * hdt for i, a, b in acc])
        n, out = len(rows), []
        k_last = math.floor((tt[-1] - self.origin) / self.dt_s + 1e-9)
        vals: list[list[float]] = []
        tg_out: list[float] = []
        for k in range(self.next_k, k_last + 1):
            tg = self.origin + k * self.dt_s
            idx = min(max(bisect_right(tt, tg) - 1, 0), n - 1)
            h, d = tg - tt[idx], tt[idx + 1] - tt[idx]
            d = d if d > 0 else 1.0
            hh = 0.5 * h * h
            ig = [
                i + a * h + (b - a) / d * hh
                for i, a, b in zip(integ[idx], vv[idx], vv[idx + 1], strict=True)
            ]
            if self.prev_grid is not None:
                vals.append([(x - y) / self.dt_s for x, y in zip(ig, self.prev_grid, strict=True)])
                tg_out.append(self.origin + (k - 0.5) * self.dt_s)
            self.prev_grid = ig
        self.next_k = max(self.next_k, k_last + 1)
        if vals:
            out.append(GridBlock(np.array(tg_out), np.array(vals), self.reset))
            self.reset = False
        self.last_t, self.last_v, self.last_integral = tt[-1], rows[-1], integ[-1]
        return out


def run(
    t: np.ndarray, v: np.ndarray, sizes: list[int], make: type = Resampler
) -> tuple[np.ndarray, np.ndarray, list]:
    """Feed in chunks of ``sizes`` (cycled); grid times, values and reset grid times."""
    r = make(GRID_HZ, MAX_GAP_S)
    blocks: list[GridBlock] = []
    i, k = 0, 0
    while i < len(t):
        step = sizes[k % len(sizes)]
        blocks += r.feed(t[i : i + step], v[i : i + step])
        i, k = i + step, k + 1
    ts = np.concatenate([b.t_s for b in blocks])
    vals = np.concatenate([b.values for b in blocks])
    resets = [float(b.t_s[0]) for b in blocks if b.reset]
    return ts, vals, resets


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 5),
    sizes=st.lists(st.integers(1, 80), min_size=1, max_size=12),
)
@example(seed=0, sizes=[1])
@example(seed=1, sizes=[201, 1, 1, 33])  # a gap at a chunk's first sample
@example(seed=2, sizes=[32, 33])  # either side of the plain-Python limit
def test_any_chunking_gives_the_same_bits(seed: int, sizes: list[int]) -> None:
    t, v = stream(seed)
    want = run(t, v, [len(t)])
    got = run(t, v, sizes)
    assert np.array_equal(got[0], want[0])
    assert np.array_equal(got[1], want[1])
    assert got[2] == want[2]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 9), sizes=st.lists(st.integers(1, 400), min_size=1, max_size=6))
@example(seed=7, sizes=[3, 10, 1, 25])
def test_compiled_and_plain_python_give_the_same_bits(seed: int, sizes: list[int]) -> None:
    """The compiled kernel computes what the plain-Python algorithm computes, bit for bit."""
    t, v = stream(seed)
    compiled = run(t, v, sizes)
    python = run(t, v, sizes, make=Reference)
    assert np.array_equal(compiled[0], python[0])
    assert np.array_equal(compiled[1], python[1])
    assert compiled[2] == python[2]


def test_a_chunk_with_the_wrong_shape_is_refused() -> None:
    r = Resampler(GRID_HZ, MAX_GAP_S)
    r.feed(np.array([0.0, 0.01]), np.zeros((2, 6)))
    with pytest.raises(ValueError, match="columns"):
        r.feed(np.array([0.02]), np.zeros((1, 5)))
    with pytest.raises(ValueError, match="rows"):
        r.feed(np.array([0.03, 0.04]), np.zeros((1, 6)))


@pytest.mark.parametrize("sizes", [[1], [10], [1000]])
def test_grid_values_are_interval_averages(sizes: list[int]) -> None:
    """A ramp's average over each 40 ms interval is the ramp at the interval's centre."""
    rng = np.random.default_rng(3)
    t = np.cumsum(0.01 + rng.uniform(-0.002, 0.002, 600))
    v = np.stack([3.0 * t - 1.0, np.full_like(t, 2.5)], axis=1)
    ts, vals, resets = run(t, v, sizes)
    assert len(ts) > 100 and resets == []
    assert np.allclose(np.diff(ts), 1 / GRID_HZ)
    assert np.allclose(vals[:, 0], 3.0 * ts - 1.0, atol=1e-9)
    assert np.allclose(vals[:, 1], 2.5, atol=1e-12)


@pytest.mark.parametrize("sizes", [[1], [7], [1000]])
def test_a_gap_is_not_bridged(sizes: list[int]) -> None:
    """No grid sample inside a gap longer than max_gap_s; the block after it is reset."""
    t, v = stream(4)
    ts, _, resets = run(t, v, sizes)
    gap_start, gap_end = t[199], t[200]
    assert not ((ts > gap_start + 1 / GRID_HZ) & (ts < gap_end)).any()
    assert len(resets) == 2
    assert gap_end <= resets[0] < gap_end + 2 / GRID_HZ
