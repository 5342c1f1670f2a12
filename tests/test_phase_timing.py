"""Phase timing from a speed bell: exact for minimum jerk, closer on lopsided bells."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.segment import (
    FWHM_FRACTION,
    HALF_TAU,
    SLOPE_TOP,
    TAIL_PER_STEEPNESS,
    TAIL_RANGE,
    half_crossings,
    movement_span,
)


def _min_jerk_speed(tau: np.ndarray) -> np.ndarray:
    return 30.0 * tau**2 * (1.0 - tau) ** 2


def _span(t: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    ip = int(np.argmax(w))
    ta, rise, tb, fall = half_crossings(t.tolist(), w.tolist(), ip, 0, len(w) - 1)
    return movement_span(ta, rise, tb, fall, 0.5 * float(w[ip]))


def _padded(t0: float, duration_s: float, speed, rate_hz: float = 25.0):
    """A movement of ``duration_s`` starting at ``t0``, still for 1 s either side."""
    t = np.arange(0.0, t0 + duration_s + 1.0, 1.0 / rate_hz)
    tau = np.clip((t - t0) / duration_s, 0.0, 1.0)
    return t, speed(tau)


def test_the_tail_constant_is_the_minimum_jerk_one() -> None:
    tau = np.linspace(0.0, 0.5, 400_001)
    v = _min_jerk_speed(tau)
    peak = v.max()
    side = (v >= 0.5 * peak) & (v <= SLOPE_TOP * peak)
    slope = np.polyfit(tau[side], v[side], 1)[0]
    tau0 = tau[np.argmax(v >= 0.5 * peak)]
    assert tau0 == pytest.approx(HALF_TAU, abs=1e-5)
    assert tau0 / (0.5 * peak / slope) == pytest.approx(TAIL_PER_STEEPNESS, abs=1e-3)
    assert FWHM_FRACTION == pytest.approx(1.0 - 2.0 * HALF_TAU)


@pytest.mark.parametrize("duration_s", [0.8, 1.5, 2.3, 4.0])
@pytest.mark.parametrize("rate_hz", [25.0, 100.0])
def test_a_minimum_jerk_movement_is_timed_to_within_a_sample(
    duration_s: float, rate_hz: float
) -> None:
    t, w = _padded(1.0, duration_s, lambda tau: 40.0 * _min_jerk_speed(tau), rate_hz)
    start, end = _span(t, w)
    assert start == pytest.approx(1.0, abs=1.0 / rate_hz)
    assert end == pytest.approx(1.0 + duration_s, abs=1.0 / rate_hz)


def test_a_flat_topped_movement_is_timed_closer_than_from_its_half_width() -> None:
    """Quick to speed, a long stretch at full speed, a quick stop (a real fast knee extension).

    The half-peak width is mostly the flat top, so scaling it as a bell's times
    the movement too long; each side's steepness says its tail is short.
    """
    up_s, flat_s, down_s, t0 = 0.3, 0.7, 0.3, 1.0
    t = np.arange(0.0, 4.0, 0.04)

    def speed(x: np.ndarray) -> np.ndarray:
        rise = _min_jerk_speed(np.clip((x - t0) / (2 * up_s), 0.0, 0.5))
        t_fall = t0 + up_s + flat_s
        fall = _min_jerk_speed(np.clip(0.5 + (x - t_fall) / (2 * down_s), 0.5, 1.0))
        return 100.0 * np.where(x <= t_fall, rise, fall)

    w = speed(t)
    start, end = _span(t, w)
    ip = int(np.argmax(w))
    ta, _, tb, _ = half_crossings(t.tolist(), w.tolist(), ip, 0, len(w) - 1)
    sym = (tb - ta) / FWHM_FRACTION  # the symmetric minimum-jerk estimate
    true_s = up_s + flat_s + down_s
    assert sym - true_s > 0.2  # the old estimate: far too long
    assert abs((end - start) - true_s) < 0.5 * (sym - true_s)


def test_a_crossing_on_a_shoulder_keeps_the_tail_bounded() -> None:
    """No slope found (the speed never fell to half): the symmetric tail, not infinity."""
    start, end = movement_span(1.0, 0.0, 2.0, 0.0, 10.0)
    sym = HALF_TAU * 1.0 / FWHM_FRACTION
    assert (start, end) == pytest.approx((1.0 - sym, 2.0 + sym))
    start, end = movement_span(1.0, 1e-6, 2.0, 1e6, 10.0)
    assert 1.0 - start == pytest.approx(TAIL_RANGE[1] * sym)
    assert end - 2.0 == pytest.approx(TAIL_RANGE[0] * sym)
