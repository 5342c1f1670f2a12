"""3-vectors as plain floats: the per-rep geometry (numpy costs more than the arithmetic).

Gravity directions and turn axes in the sensor frame; one definition of the
types and the dot product for the core, posture memory and recognition.
"""

from __future__ import annotations

Axis = tuple[float, float, float]
Vec = Axis | list[float]


def dot(u: Vec, b: Vec) -> float:
    """Dot product of two 3-vectors."""
    return u[0] * b[0] + u[1] * b[1] + u[2] * b[2]
