"""3-vectors as plain floats: the per-rep geometry (numpy costs more than the arithmetic).

Gravity directions and turn axes in the sensor frame; one definition of the
types and the dot product for the core, posture memory and recognition.
"""

from __future__ import annotations

import math

Axis = tuple[float, float, float]
Vec = Axis | list[float]


def dot(u: Vec, b: Vec) -> float:
    """Dot product of two 3-vectors."""
    return u[0] * b[0] + u[1] * b[1] + u[2] * b[2]


def angle_deg(u: Vec, b: Vec) -> float:
    """Angle between two unit 3-vectors, in degrees (rounding kept inside acos's domain)."""
    c = dot(u, b)
    return math.degrees(math.acos(-1.0 if c < -1.0 else 1.0 if c > 1.0 else c))
