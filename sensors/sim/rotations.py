"""Vectorised rotation helpers (numpy, right-handed, column vectors).

Every function works on stacks: angles of shape (N,) give matrices (N, 3, 3).
Kept tiny and dependency-free so the simulator's physics is easy to audit.
"""

from __future__ import annotations

import numpy as np

DEG = np.pi / 180.0


def _axis_rotation(angle_rad: np.ndarray, i: int, j: int) -> np.ndarray:
    """Rotation in the (i, j) plane, i.e. about the remaining axis: (N,) → (N, 3, 3)."""
    a = np.asarray(angle_rad, dtype=np.float64)
    c, s = np.cos(a), np.sin(a)
    out = np.zeros(a.shape + (3, 3))
    k = 3 - i - j
    out[..., k, k] = 1.0
    out[..., i, i] = c
    out[..., j, j] = c
    out[..., i, j] = -s
    out[..., j, i] = s
    return out


def rot_x(angle_rad: np.ndarray) -> np.ndarray:
    """Rotation about x by ``angle_rad`` (N,) → (N, 3, 3)."""
    return _axis_rotation(angle_rad, 1, 2)


def rot_y(angle_rad: np.ndarray) -> np.ndarray:
    """Rotation about y by ``angle_rad`` (N,) → (N, 3, 3)."""
    return _axis_rotation(angle_rad, 2, 0)


def rot_z(angle_rad: np.ndarray) -> np.ndarray:
    """Rotation about z by ``angle_rad`` (N,) → (N, 3, 3)."""
    return _axis_rotation(angle_rad, 0, 1)


def rotvec_to_matrix(rv: np.ndarray) -> np.ndarray:
    """Rodrigues: rotation vectors (N, 3) in radians → (N, 3, 3)."""
    rv = np.asarray(rv, dtype=np.float64)
    theta = np.linalg.norm(rv, axis=-1)
    small = theta < 1e-12
    safe = np.where(small, 1.0, theta)
    k = rv / safe[..., None]
    kx, ky, kz = k[..., 0], k[..., 1], k[..., 2]
    z = np.zeros_like(kx)
    kmat = np.stack(
        [np.stack([z, -kz, ky], -1), np.stack([kz, z, -kx], -1), np.stack([-ky, kx, z], -1)], -2
    )
    s = np.sin(theta)[..., None, None]
    c = (1.0 - np.cos(theta))[..., None, None]
    eye = np.broadcast_to(np.eye(3), kmat.shape)
    out = eye + s * kmat + c * (kmat @ kmat)
    return np.where(small[..., None, None], eye, out)


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """A uniformly random rotation matrix (3, 3) (normalised Gaussian quaternion)."""
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    w, x, y, z = q
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def angle_between(r_a: np.ndarray, r_b: np.ndarray) -> np.ndarray:
    """Geodesic angle (rad) between rotation stacks: |rotation of r_a^T r_b|."""
    rel_trace = np.einsum("...ji,...ji->...", r_a, r_b)
    return np.arccos(np.clip((rel_trace - 1.0) / 2.0, -1.0, 1.0))


def body_rate(r: np.ndarray, fs_hz: float) -> np.ndarray:
    """Body-frame angular velocity (N, 3) in rad/s of a rotation stack sampled at ``fs_hz``.

    ω̂ = Rᵀ Ṙ with Ṙ by second-order central differences; the skew part is taken,
    so small numerical asymmetry does not leak into the result.
    """
    rdot = np.gradient(r, 1.0 / fs_hz, axis=0)
    om = np.einsum("nji,njk->nik", r, rdot)
    return 0.5 * np.stack(
        [om[:, 2, 1] - om[:, 1, 2], om[:, 0, 2] - om[:, 2, 0], om[:, 1, 0] - om[:, 0, 1]], -1
    )


def second_derivative(x: np.ndarray, fs_hz: float) -> np.ndarray:
    """d²x/dt² along axis 0 by the three-point stencil (ends copied from neighbours)."""
    out = np.empty_like(x)
    out[1:-1] = (x[2:] - 2.0 * x[1:-1] + x[:-2]) * (fs_hz * fs_hz)
    out[0] = out[1]
    out[-1] = out[-2]
    return out
