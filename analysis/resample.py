"""Streaming resampling of irregular IMU samples onto a uniform grid.

Each grid value is the *average* of the input signal over the grid interval
(the difference of its running trapezoidal integral), which is a box
anti-alias filter for fast inputs, linear interpolation for slow ones, exact
for integrating gyro rates, and indifferent to timestamp jitter. Gaps longer
than ``max_gap_s`` are not bridged: the next block is marked ``reset``.
Output does not depend on how the input was chunked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis._kernels import load

GridResampler = load("_resample").GridResampler


@dataclass(frozen=True)
class GridBlock:
    """Uniform samples ``t_s`` (M,) and ``values`` (M, D); ``reset`` = a gap precedes.

    ``t_s`` is the centre of each averaging interval.
    """

    t_s: np.ndarray
    values: np.ndarray
    reset: bool


class Resampler:
    """Irregular (t, values) chunks in, uniform grid blocks out.

    The arithmetic is compiled (``analysis/_resample.pyx``): on a live 0.1 s
    chunk the same loops in Python cost more than the rest of the core.
    """

    def __init__(self, grid_hz: float, max_gap_s: float) -> None:
        self._kernel = GridResampler(grid_hz, max_gap_s)

    def feed(self, t_s: np.ndarray, values: np.ndarray) -> list[GridBlock]:
        """Resample a chunk: ``t_s`` (N,), ``values`` (N, D); the grid blocks it completes."""
        return [GridBlock(t, v, reset) for t, v, reset in self._kernel.feed(t_s, values)]
