"""The streaming resampler: grid averages, gaps, and output independent of chunking.

A live 0.1 s chunk takes a plain-Python path, a long block the numpy one; both
must give the same bits, or the live count and the offline count could differ.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import analysis.resample as resample
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


def run(t: np.ndarray, v: np.ndarray, sizes: list[int]) -> tuple[np.ndarray, np.ndarray, list]:
    """Feed in chunks of ``sizes`` (cycled); grid times, values and reset grid times."""
    r = Resampler(GRID_HZ, MAX_GAP_S)
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


def test_live_and_long_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small chunks through the numpy path give what the plain-Python path gives."""
    t, v = stream(7)
    python_path = run(t, v, [3, 10, 1, 25])
    monkeypatch.setattr(resample, "SMALL_CHUNK", 0)
    numpy_path = run(t, v, [3, 10, 1, 25])
    assert np.array_equal(python_path[1], numpy_path[1])
    assert np.array_equal(python_path[0], numpy_path[0])
    assert python_path[2] == numpy_path[2]


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
