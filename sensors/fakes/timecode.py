"""A still sensor whose gyro tells when each sample was taken: true capture times for tests.

A fake chip samples :meth:`TimeCode.motion` at the instants its (possibly
mistuned) oscillator fires; the driver then stamps the samples itself.
:meth:`TimeCode.true_times` reads each delivered sample's real capture time
back from its gyro, so stamps, gaps and drift fits can be checked against the
truth sample by sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensors.chunk import ImuChunk


@dataclass(frozen=True)
class TimeCode:
    """Time encoded in gyro x (a coarse ramp) and gyro y (a fine sawtooth).

    Run the driver at a gyro range of 2000 dps: the fine sawtooth spans
    ``fine_dps`` (1900) over ``fine_span_s`` (0.1 s), so one LSB is a few
    microseconds, and the ramp only has to pick the right sawtooth period.
    The ramp saturates ``2000 / ramp_dps_per_s`` seconds after ``t0_s``
    (40 s at 50 dps/s, 66 s at 30), which bounds how long a test may run.
    """

    t0_s: float = 1000.0  # the time the ramp and sawtooth start from (the FakeClock's start)
    ramp_dps_per_s: float = 50.0  # gyro x: coarse time
    fine_span_s: float = 0.1  # gyro y: sawtooth period, fine time
    fine_dps: float = 1900.0  # gyro y: sawtooth height (inside the 2000 dps range)

    def motion(self, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A MotionSource: still (+1 g on z), gyro x and y encode ``t_s``, gyro z zero."""
        n = len(t_s)
        acc = np.zeros((n, 3))
        acc[:, 2] = 1.0
        gyr = np.zeros((n, 3))
        gyr[:, 0] = self.ramp_dps_per_s * (t_s - self.t0_s)
        gyr[:, 1] = self.fine_dps * np.mod(t_s - self.t0_s, self.fine_span_s) / self.fine_span_s
        return acc, gyr

    def true_times(self, chunk: ImuChunk) -> np.ndarray:
        """When the chip took each sample of ``chunk``, decoded from its gyro x and y."""
        coarse_s = chunk.gyro_dps[:, 0] / self.ramp_dps_per_s
        fine_s = chunk.gyro_dps[:, 1] / self.fine_dps * self.fine_span_s
        span_s = self.fine_span_s
        return self.t0_s + np.round((coarse_s - fine_s) / span_s) * span_s + fine_s
