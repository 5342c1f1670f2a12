"""Sample timestamps from the chip's sample clock, not from when Python read.

Sample *k* is stamped ``anchor + k * period``. The chip's oscillator is off by
up to a few percent, so the period is re-estimated from how many samples have
arrived over a long baseline of monotonic read times (drift correction),
clamped to ±10 % of nominal, and applied only to samples yet to be stamped so
timestamps stay strictly increasing.
"""

from __future__ import annotations

import numpy as np


class SampleClock:
    """Timestamps for FIFO samples: index x period, anchored to a monotonic clock."""

    MIN_BASELINE_S = 5.0

    def __init__(self, nominal_period_s: float, max_drift: float = 0.10) -> None:
        if nominal_period_s <= 0:
            raise ValueError("period must be positive")
        self.nominal_period_s = nominal_period_s
        self.period_s = nominal_period_s
        self.max_drift = max_drift
        self._next_t_s: float | None = None
        self._count = 0  # samples stamped or skipped since the anchor
        self._first_read: tuple[float, int] | None = None

    @property
    def count(self) -> int:
        return self._count

    @property
    def next_t_s(self) -> float | None:
        """Timestamp the next sample will get (None before the first anchor/stamp)."""
        return self._next_t_s

    def anchor(self, now_s: float) -> None:
        """Start counting: the next sample is taken about one period after ``now_s``."""
        self._next_t_s = now_s + self.nominal_period_s
        self._count = 0
        self._first_read = None
        self.period_s = self.nominal_period_s

    def stamp(self, n_new: int, now_s: float) -> np.ndarray:
        """Timestamps for ``n_new`` samples that were in the FIFO at ``now_s``."""
        if self._next_t_s is None:
            # first read: the newest sample was taken just before now
            self._next_t_s = now_s - (n_new - 1) * self.period_s if n_new else now_s
        t = self._next_t_s + self.period_s * np.arange(n_new, dtype=np.float64)
        prev_s = self._next_t_s - self.period_s
        if n_new and t[-1] - now_s > 1e-6 * self.period_s and now_s > prev_s:
            # A fast oscillator (before the drift estimate): no sample can be
            # newer than now, so spread this block evenly up to now instead of
            # letting stamps run ahead and later jump back.
            t = prev_s + (now_s - prev_s) / n_new * np.arange(1, n_new + 1, dtype=np.float64)
            self._next_t_s = now_s - (n_new - 1) * self.period_s
        self._advance(n_new, now_s)
        return t

    def skip(self, n_lost: int, now_s: float | None = None) -> None:
        """``n_lost`` samples were lost (FIFO overflow): their slots still elapse."""
        if self._next_t_s is None:
            return
        self._next_t_s += n_lost * self.period_s
        self._count += n_lost

    def _advance(self, n: int, now_s: float) -> None:
        assert self._next_t_s is not None
        self._next_t_s += n * self.period_s
        self._count += n
        if self._first_read is None:
            self._first_read = (now_s, self._count)
            return
        t0, c0 = self._first_read
        if now_s - t0 >= self.MIN_BASELINE_S and self._count > c0:
            est = (now_s - t0) / (self._count - c0)
            lo = self.nominal_period_s * (1 - self.max_drift)
            hi = self.nominal_period_s * (1 + self.max_drift)
            self.period_s = float(min(max(est, lo), hi))
            # never let the stamps run ahead of the read time
            if self._next_t_s - self.period_s > now_s:
                self._next_t_s = now_s + self.period_s
