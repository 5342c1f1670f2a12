"""Register-level fake chips on a fake I2C bus: the mock tier for the drivers.

Like gpiozero's MockFactory: the drivers run unchanged against these fakes,
which keep a register map, fill their FIFO in (fake or real) time from a
motion source, overflow when not drained, and fail on demand.
"""

from sensors.fakes.bus import FakeBus, FakeChip, FakeClock, MotionSource, still_motion
from sensors.fakes.timecode import TimeCode

__all__ = ["FakeBus", "FakeChip", "FakeClock", "MotionSource", "TimeCode", "still_motion"]
