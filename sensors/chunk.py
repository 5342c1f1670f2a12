"""ImuChunk: a block of consecutive IMU samples as float arrays.

Units are fixed: seconds, standard gravities (specific force, +1 g up at rest)
and degrees per second. A chunk may carry an optional shank sensor,
sample-aligned with the thigh, and the gaps (lost samples) that precede
some of its samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Gap:
    """``lost`` samples are missing just before sample ``index`` of the chunk."""

    index: int
    lost: int
    reason: str = "overflow"


def _as_f64(a: np.ndarray | Sequence[float], shape_tail: tuple[int, ...]) -> np.ndarray:
    arr = np.ascontiguousarray(a, dtype=np.float64)
    if arr.shape[1:] != shape_tail:
        raise ValueError(f"expected shape (N, {shape_tail}), got {arr.shape}")
    return arr


@dataclass(frozen=True)
class ImuChunk:
    """Samples ``t_s`` (N,), ``accel_g`` (N, 3), ``gyro_dps`` (N, 3), optional shank."""

    t_s: np.ndarray
    accel_g: np.ndarray
    gyro_dps: np.ndarray
    shank_accel_g: np.ndarray | None = None
    shank_gyro_dps: np.ndarray | None = None
    gaps: tuple[Gap, ...] = field(default=())

    def __post_init__(self) -> None:
        t = np.ascontiguousarray(self.t_s, dtype=np.float64).reshape(-1)
        object.__setattr__(self, "t_s", t)
        object.__setattr__(self, "accel_g", _as_f64(self.accel_g, (3,)))
        object.__setattr__(self, "gyro_dps", _as_f64(self.gyro_dps, (3,)))
        n = t.shape[0]
        if self.accel_g.shape[0] != n or self.gyro_dps.shape[0] != n:
            raise ValueError("t_s, accel_g and gyro_dps must have the same length")
        if (self.shank_accel_g is None) != (self.shank_gyro_dps is None):
            raise ValueError("shank_accel_g and shank_gyro_dps go together")
        if self.shank_accel_g is not None:
            object.__setattr__(self, "shank_accel_g", _as_f64(self.shank_accel_g, (3,)))
            object.__setattr__(self, "shank_gyro_dps", _as_f64(self.shank_gyro_dps, (3,)))
            if self.shank_accel_g.shape[0] != n or self.shank_gyro_dps.shape[0] != n:
                raise ValueError("shank arrays must match the thigh length")

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @property
    def has_shank(self) -> bool:
        return self.shank_accel_g is not None

    @property
    def lost_samples(self) -> int:
        return sum(g.lost for g in self.gaps)

    @classmethod
    def empty(cls, with_shank: bool = False) -> ImuChunk:
        z3 = np.zeros((0, 3))
        return cls(
            np.zeros(0), z3, z3, z3 if with_shank else None, z3 if with_shank else None
        )

    def slice(self, start: int, stop: int) -> ImuChunk:
        """Samples ``start:stop``, with the gaps that fall inside re-indexed."""
        start, stop, _ = slice(start, stop).indices(len(self))
        gaps = tuple(
            Gap(g.index - start, g.lost, g.reason)
            for g in self.gaps
            if start <= g.index < stop or (g.index == stop == len(self) and start < stop)
        )
        return ImuChunk(
            self.t_s[start:stop],
            self.accel_g[start:stop],
            self.gyro_dps[start:stop],
            None if self.shank_accel_g is None else self.shank_accel_g[start:stop],
            None if self.shank_gyro_dps is None else self.shank_gyro_dps[start:stop],
            gaps,
        )

    @staticmethod
    def concat(chunks: Sequence[ImuChunk]) -> ImuChunk:
        """Join chunks end to end (all with or all without a shank sensor)."""
        chunks = [c for c in chunks if len(c) or c.gaps]
        if not chunks:
            return ImuChunk.empty()
        shank = chunks[0].has_shank
        if any(c.has_shank != shank for c in chunks):
            raise ValueError("cannot join chunks with and without a shank sensor")
        gaps: list[Gap] = []
        offset = 0
        for c in chunks:
            gaps.extend(Gap(g.index + offset, g.lost, g.reason) for g in c.gaps)
            offset += len(c)
        return ImuChunk(
            np.concatenate([c.t_s for c in chunks]),
            np.concatenate([c.accel_g for c in chunks]),
            np.concatenate([c.gyro_dps for c in chunks]),
            np.concatenate([c.shank_accel_g for c in chunks]) if shank else None,
            np.concatenate([c.shank_gyro_dps for c in chunks]) if shank else None,
            tuple(gaps),
        )
