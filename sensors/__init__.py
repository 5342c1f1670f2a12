"""Sensors: IMU drivers over I2C, recordings, and the simulated patient.

Everything here produces :class:`sensors.chunk.ImuChunk` objects: blocks of
samples as float arrays in g, deg/s and seconds.
"""

from sensors.chunk import Gap, ImuChunk
from sensors.errors import RecordingError, SensorError, UserError

__all__ = ["Gap", "ImuChunk", "RecordingError", "SensorError", "UserError"]
