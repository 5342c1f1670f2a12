"""The speed low-pass: a 4th-order Butterworth, run as its impulse response.

Why not ``scipy.signal.sosfilt``: importing ``scipy.signal`` takes about
0.55 s here (several seconds on a Pi Zero 2), longer than analysing an hour
of recording, and the device pays it at every start. The filter is the same
Butterworth: its second-order sections come from ``scipy.signal.butter``
(cached below for the default settings, so the default path never imports
scipy; ``tests/test_scipy_equivalents.py`` checks the cache against scipy).
Its impulse response is kept until it has decayed below 1e-17 of its peak
and applied as an FIR (each output the dot product of the last inputs with
the reversed response, as ``numpy.correlate`` computes it: a convolution):
within 1e-15 of ``sosfilt``, as fast, and exactly the same whatever the
chunking (each output is the same dot product of the last samples).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

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


class SpeedLowpass:
    """Streaming low-pass of several columns at once; starts in steady state.

    Like ``sosfilt`` with ``sosfilt_zi`` scaled by the first sample: the
    signal is taken to have been at its first value forever before it began.
    """

    def __init__(self, cutoff_hz: float, fs_hz: float) -> None:
        self.fs_hz = fs_hz
        self.h = impulse_response(float(cutoff_hz), float(fs_hz))
        self._h_rev = np.ascontiguousarray(self.h[::-1])  # convolve = correlate, reversed
        self._past: np.ndarray | None = None  # the last len(h) - 1 input samples (K, len(h) - 1)

    def group_delay_s(self, freq_hz: float = 0.3) -> float:
        """Group delay at ``freq_hz`` (low frequencies: the delay of a slow movement)."""
        n = np.arange(len(self.h))
        e = np.exp(-2j * np.pi * freq_hz / self.fs_hz * n)
        return float(np.real(np.sum(n * self.h * e) / np.sum(self.h * e))) / self.fs_hz

    def __call__(self, x: np.ndarray, reset: bool = False) -> np.ndarray:
        """Filter ``x`` (M, K), continuing from the previous call unless ``reset``."""
        return self.filter_rows(x.T, reset).T

    def filter_rows(self, xt: np.ndarray, reset: bool = False) -> np.ndarray:
        """:meth:`__call__` on the transposed layout: ``xt`` (K, M) in, (K, M) out.

        One contiguous row per column, so the windows below are a view of the
        input (a column of an (M, K) array would be copied first).
        """
        k = len(self.h) - 1
        if self._past is None or reset:
            self._past = np.repeat(xt[:, :1], k, axis=1)
        ext = np.concatenate((self._past, xt), axis=1)
        # output j of a column is the dot product of its inputs j .. j + k with the
        # reversed response: a strided view of those windows (no copy) and one vecdot
        # for every column at once, each output numpy's dot product as in
        # ``numpy.correlate(row, h_rev, "valid")``, bit for bit (test_scipy_equivalents.py);
        # on a live chunk six correlate calls cost four times as much. (``ext`` is a
        # new C-contiguous array: the view's strides are its row and item strides.)
        item = ext.itemsize
        windows = np.ndarray(
            (len(xt), xt.shape[1], k + 1), ext.dtype, ext, 0, (ext.strides[0], item, item)
        )
        y = np.vecdot(windows, self._h_rev)
        self._past = ext[:, ext.shape[1] - k :]
        return y
