"""The speed low-pass: a 4th-order Butterworth in second-order sections.

Why not ``scipy.signal.sosfilt``: importing ``scipy.signal`` takes about
0.55 s here (several seconds on a Pi Zero 2), longer than analysing an hour
of recording, and the device pays it at every start. The filter is the same
Butterworth: its sections come from ``scipy.signal.butter`` (cached below for
the default settings, so the default path never imports scipy;
``tests/test_scipy_equivalents.py`` checks the cache against scipy), run by a
compiled kernel (``analysis/_lowpass.pyx``) with ``sosfilt``'s arithmetic and
its state carried from chunk to chunk: exactly the same output whatever the
chunking, and a live chunk costs about a microsecond. The impulse response is
kept for the group delay.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from analysis._kernels import load

sos_rows = load("_lowpass").sos_rows

ORDER = 4

# scipy.signal.butter(4, 3.0, fs=25.0, output="sos"): the default settings
_SOS_CACHE: dict[tuple[float, float], tuple[tuple[float, ...], ...]] = {
    (3.0, 25.0): (
        (0.00891445723946302, 0.01782891447892604, 0.00891445723946302,
         1.0, -0.8931036327062872, 0.22516058868743402),
        (1.0, 2.0, 1.0, 1.0, -1.1552915050582222, 0.5848302129885163),
    ),
}  # fmt: skip

_TAIL_REL = 1e-17  # the impulse response is cut where it stays below this x its peak
_MAX_TAPS = 4096


def butter_sos(cutoff_hz: float, fs_hz: float) -> np.ndarray:
    """Second-order sections of the 4th-order Butterworth low-pass (as scipy's)."""
    cached = _SOS_CACHE.get((float(cutoff_hz), float(fs_hz)))
    if cached is not None:
        return np.array(cached)
    from scipy import signal  # only for settings other than the defaults

    return np.asarray(signal.butter(ORDER, cutoff_hz, fs=fs_hz, output="sos"))


def _sos_impulse(sos: np.ndarray, n: int) -> np.ndarray:
    """The first ``n`` samples of the sections' impulse response (direct form II)."""
    x = [0.0] * n
    x[0] = 1.0
    for b0, b1, b2, _a0, a1, a2 in sos.tolist():
        y, z1, z2 = [], 0.0, 0.0
        for xi in x:
            yi = b0 * xi + z1
            z1 = b1 * xi - a1 * yi + z2
            z2 = b2 * xi - a2 * yi
            y.append(yi)
        x = y
    return np.array(x)


@lru_cache(maxsize=8)
def impulse_response(cutoff_hz: float, fs_hz: float) -> np.ndarray:
    """The filter's impulse response, long enough that the rest is below 1e-17."""
    sos = butter_sos(cutoff_hz, fs_hz)
    n = 64
    while True:
        h = _sos_impulse(sos, 2 * n)
        if np.abs(h[n:]).max() < _TAIL_REL * np.abs(h).max() or n >= _MAX_TAPS:
            break
        n *= 2
    peak = np.abs(h).max()
    last = int(np.nonzero(np.abs(h) >= _TAIL_REL * peak)[0][-1])
    return h[: last + 1].copy()


def steady_state(sos: np.ndarray) -> np.ndarray:
    """Each section's state (S, 2) after a unit input forever (``sosfilt_zi``)."""
    zi = np.empty((len(sos), 2))
    scale = 1.0
    for i, (b0, b1, b2, _a0, a1, a2) in enumerate(sos.tolist()):
        # lfilter_zi: solve (I - companion(a).T) z = b[1:] - a[1:] b0
        z = np.linalg.solve([[1.0 + a1, -1.0], [a2, 1.0]], [b1 - a1 * b0, b2 - a2 * b0])
        zi[i] = scale * z
        scale *= (b0 + b1 + b2) / (1.0 + a1 + a2)
    return zi


class SpeedLowpass:
    """Streaming low-pass of several columns at once; starts in steady state.

    Like ``sosfilt`` with ``sosfilt_zi`` scaled by the first sample: the
    signal is taken to have been at its first value forever before it began.
    """

    def __init__(self, cutoff_hz: float, fs_hz: float) -> None:
        self.fs_hz = fs_hz
        self.sos = np.ascontiguousarray(butter_sos(float(cutoff_hz), float(fs_hz)))
        self.h = impulse_response(float(cutoff_hz), float(fs_hz))
        self._zi_unit = steady_state(self.sos)
        self._zi: np.ndarray | None = None  # per column, per section (K, S, 2)

    def group_delay_s(self, freq_hz: float = 0.3) -> float:
        """Group delay at ``freq_hz`` (low frequencies: the delay of a slow movement)."""
        n = np.arange(len(self.h))
        e = np.exp(-2j * np.pi * freq_hz / self.fs_hz * n)
        return float(np.real(np.sum(n * self.h * e) / np.sum(self.h * e))) / self.fs_hz

    def __call__(self, x: np.ndarray, reset: bool = False) -> np.ndarray:
        """Filter ``x`` (M, K), continuing from the previous call unless ``reset``."""
        return self.filter_rows(x.T, reset).T

    def filter_rows(self, xt: np.ndarray, reset: bool = False) -> np.ndarray:
        """:meth:`__call__` on the transposed layout: ``xt`` (K, M) in, (K, M) out."""
        if xt.shape[1] == 0:
            return np.empty(xt.shape)
        if self._zi is None or reset:
            self._zi = self._zi_unit[None, :, :] * xt[:, 0, None, None]
        return sos_rows(self.sos, self._zi, np.asarray(xt, dtype=np.float64))
