"""Thigh orientation (analysis/orientation.py): when the AHRS may be re-anchored.

A still window re-anchors the AHRS on the accelerometer's gravity of its last
0.2 s. If a movement has already begun there, the low-passed accelerometer
lags the leg and the anchor puts the estimate off by a degree or two, which
then takes seconds to fade: as big as a partial stretch.
"""

from __future__ import annotations

import numpy as np

from analysis.orientation import OrientationTracker
from analysis.settings import CoreSettings
from tests.test_set_axis import Script


def _error_after_movements_deg(**settings: float) -> np.ndarray:
    """Gravity error 0.5 s after each of 24 quick 12 deg movements (ideal IMU, 25 Hz)."""
    script = Script().hold(3.0)
    ends = []
    for k in range(12):  # holds of different lengths: movements start all over a window
        script.move(0.8, pitch=12.0)
        ends.append(len(script.pitch))
        script.hold(2.0 + 0.09 * k).move(0.8, pitch=0.0)
        ends.append(len(script.pitch))
        script.hold(2.0 + 0.05 * k)
    chunk = script.chunk()
    acc, gyr = chunk.accel_g[::4], chunk.gyro_dps[::4]  # 100 Hz -> the 25 Hz grid
    tracker = OrientationTracker(CoreSettings(**settings))
    blocks = range(0, len(acc), 10)
    est = np.concatenate([tracker.process(acc[i : i + 10], gyr[i : i + 10], False)[0]
                          for i in blocks])  # fmt: skip
    true = acc / np.linalg.norm(acc, axis=1, keepdims=True)
    err = np.degrees(np.arccos(np.clip((est * true).sum(axis=1), -1.0, 1.0)))
    return err[[e // 4 + 12 for e in ends]]


def test_no_anchor_on_a_window_whose_end_is_already_moving() -> None:
    err = _error_after_movements_deg()
    assert not np.isnan(err).any()
    assert err.max() < 1.2, err.round(2)
    # anchored on every still-looking window, some movements start inside the anchor
    always = _error_after_movements_deg(anchor_max_dps=1e9)
    assert always.max() > 1.8, always.round(2)
