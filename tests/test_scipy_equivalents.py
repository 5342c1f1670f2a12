"""The two scipy.signal functions the core re-implements (to start fast) agree with scipy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from analysis.lowpass import (
    _SOS_CACHE,
    SpeedLowpass,
    butter_sos,
    impulse_response,
    steady_state,
)
from analysis.segment import prominent_peaks


def test_cached_sections_are_scipys_butterworth() -> None:
    for (cutoff_hz, fs_hz), sos in _SOS_CACHE.items():
        expected = signal.butter(4, cutoff_hz, fs=fs_hz, output="sos")
        assert np.array_equal(np.array(sos), expected)


def test_other_settings_design_with_scipy() -> None:
    expected = signal.butter(4, 2.0, fs=50.0, output="sos")
    assert np.array_equal(butter_sos(2.0, 50.0), expected)
    h = impulse_response(2.0, 50.0)
    assert abs(h.sum() - 1.0) < 1e-12  # unit gain at DC: the whole response is kept


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    cutoff_fs=st.sampled_from([(3.0, 25.0), (2.0, 50.0), (5.0, 100.0)]),
    chunk=st.integers(1, 40),
)
def test_lowpass_matches_sosfilt_in_any_chunks(
    seed: int, cutoff_fs: tuple[float, float], chunk: int
) -> None:
    cutoff_hz, fs_hz = cutoff_fs
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.normal(0, 5, (400, 6)), axis=0) + rng.normal(0, 50, 6)
    sos = signal.butter(4, cutoff_hz, fs=fs_hz, output="sos")
    zi = signal.sosfilt_zi(sos)[:, :, None] * x[0][None, None, :]
    expected, _ = signal.sosfilt(sos, x, axis=0, zi=zi)
    lp = SpeedLowpass(cutoff_hz, fs_hz)
    got = np.vstack([lp(x[i : i + chunk]) for i in range(0, len(x), chunk)])
    whole = SpeedLowpass(cutoff_hz, fs_hz)(x)
    assert np.array_equal(got, whole)  # chunking changes nothing, bit for bit
    assert np.array_equal(got, expected)  # and it is sosfilt's arithmetic, bit for bit


def test_lowpass_reset_restarts_in_steady_state() -> None:
    lp = SpeedLowpass(3.0, 25.0)
    lp(np.full((50, 2), 7.0))
    y = lp(np.full((10, 2), -3.0), reset=True)
    assert np.allclose(y, -3.0, atol=1e-12)


def test_group_delay_matches_scipy() -> None:
    sos = signal.butter(4, 3.0, fs=25.0, output="sos")
    _, gd = signal.group_delay(signal.sos2tf(sos), w=[0.3], fs=25.0)
    assert abs(SpeedLowpass(3.0, 25.0).group_delay_s(0.3) - gd[0] / 25.0) < 1e-9


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.integers(0, 6), min_size=0, max_size=60),
    prominence=st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.5]),
)
def test_prominent_peaks_match_find_peaks(values: list[int], prominence: float) -> None:
    # small integers: many flat tops and equal neighbours, the tricky cases
    x = np.array(values, dtype=float)
    expected, _ = signal.find_peaks(x, prominence=prominence) if len(x) else ([], None)
    assert prominent_peaks(x, prominence).tolist() == list(expected)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(3, 400))
def test_prominent_peaks_match_find_peaks_on_speed_traces(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    x = np.abs(np.convolve(rng.normal(0, 10, n + 8), np.ones(8) / 8, mode="valid"))
    p = max(1.25, 0.08 * float(x.max()))
    assert prominent_peaks(x, p).tolist() == signal.find_peaks(x, prominence=p)[0].tolist()


@pytest.mark.parametrize("cutoff_fs", [(3.0, 25.0), (2.0, 50.0), (5.0, 100.0)])
def test_steady_state_is_sosfilt_zi(cutoff_fs: tuple[float, float]) -> None:
    sos = signal.butter(4, *cutoff_fs[:1], fs=cutoff_fs[1], output="sos")
    assert np.allclose(steady_state(sos), signal.sosfilt_zi(sos), rtol=0, atol=1e-15)


def test_lowpass_state_of_the_wrong_shape_is_refused() -> None:
    lp = SpeedLowpass(3.0, 25.0)
    lp.filter_rows(np.zeros((6, 3)))
    with pytest.raises(ValueError, match="state of shape"):
        lp.filter_rows(np.zeros((5, 3)))
