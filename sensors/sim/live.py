"""SimulatedImu: the simulator as an ImuSource for the device runtime.

The whole recording is simulated up front (it is cheap); ``read()`` then
releases the samples whose time has come on an injected clock, running
``speed`` times faster than real time. Timestamps stay on the recording's own
``t_s`` clock, so the truth lines up with what the counter sees.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from sensors.chunk import ImuChunk
from sensors.sim.config import SimConfig
from sensors.sim.engine import SimResult, simulate
from sensors.sim.truth import SetTruth


class SimulatedImu:
    """An :class:`sensors.base.ImuSource` backed by :func:`simulate`."""

    def __init__(
        self,
        cfg: SimConfig,
        speed: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.config = cfg
        self.speed = float(speed)
        self._clock = clock
        self.result: SimResult = simulate(cfg)
        self.rate_hz: float = cfg.effective_rate_hz
        self._t0_clock: float | None = None
        self._next = 0
        self._closed = False

    @property
    def truth(self) -> SetTruth:
        return self.result.truth

    @property
    def metadata(self) -> dict[str, str]:
        return self.result.metadata

    @property
    def has_shank(self) -> bool:
        return self.result.chunk.has_shank

    @property
    def finished(self) -> bool:
        """True once every sample of the set has been released."""
        return self._next >= len(self.result.chunk)

    def start(self) -> None:
        """Start the simulated clock (idempotent)."""
        if self._t0_clock is None:
            self._t0_clock = self._clock()

    def sim_time_s(self) -> float:
        """The recording time that has elapsed so far (on the ``t_s`` clock)."""
        if self._t0_clock is None:
            return float(self.result.chunk.t_s[0]) if len(self.result.chunk) else 0.0
        elapsed = (self._clock() - self._t0_clock) * self.speed
        return float(self.result.chunk.t_s[0]) + elapsed if len(self.result.chunk) else elapsed

    def read(self) -> ImuChunk:
        """Samples whose time has come since the last read (maybe none); starts the clock."""
        if self._closed:
            raise RuntimeError("SimulatedImu is closed")
        self.start()
        chunk = self.result.chunk
        stop = int(np.searchsorted(chunk.t_s, self.sim_time_s(), side="right"))
        stop = max(stop, self._next)
        out = chunk.slice(self._next, stop)
        self._next = stop
        return out

    def close(self) -> None:
        self._closed = True
