"""What every IMU source looks like to the rest of the system."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from sensors.chunk import ImuChunk


@runtime_checkable
class ImuSource(Protocol):
    """A source of ImuChunks: a chip over I2C, a sensor pair, or the simulator.

    ``read()`` returns whatever samples became available since the last call
    (possibly none) and never blocks for long; lost samples are reported as
    :class:`sensors.chunk.Gap` entries, never silently dropped.
    """

    rate_hz: float

    def start(self) -> None: ...

    def read(self) -> ImuChunk: ...

    def close(self) -> None: ...
