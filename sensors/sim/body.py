"""Rigid-body kinematics: pose channels → thigh/shank orientation → ideal IMU signals.

World frame: x forward (where the patient faces at yaw 0), y left, z up; gravity
is −z. The pelvis frame has the same axes when standing upright; lying on the
back is pelvis pitch −90° (its forward axis points at the ceiling). The thigh
frame equals the pelvis frame at zero hip angles, with the femur along −z
(hip → knee). Hip rotations are applied as R_y(−flexion) · R_x(±adduction) ·
R_z(±axial rotation) (signs mirrored for the left leg), so flexion 90° makes the
thigh horizontal and forward (sitting). The shank is the thigh rotated by
R_y(+knee flexion) about the knee.

A sensor sits at lever arm ``r_m`` (thigh/shank frame) from the hip/knee with
a fixed mounting rotation (any strap orientation) plus a small time-varying
wobble. Its ideal outputs are

* gyro: body-frame angular velocity, ω̂ = Rᵀ Ṙ (deg/s),
* accel: specific force Rᵀ (p̈ − g) in g, so a resting sensor reads +1 g along
  the axis that points up. p̈ is the second derivative of the sensor's world
  position, which contains ω̇×r + ω×(ω×r) and any pelvis translation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensors.sim.rotations import (
    DEG,
    body_rate,
    rot_x,
    rot_y,
    rot_z,
    rotvec_to_matrix,
    second_derivative,
)

STANDARD_GRAVITY_MS2 = 9.80665
GRAVITY_WORLD_MS2 = np.array([0.0, 0.0, -STANDARD_GRAVITY_MS2])


@dataclass(frozen=True)
class Anthropometry:
    """Segment lengths (m) and the hip's lateral offset from the pelvis centre."""

    thigh_len_m: float = 0.43
    hip_half_width_m: float = 0.09


@dataclass(frozen=True)
class Mount:
    """Where and how a sensor is strapped: lever arm (m, segment frame) and rotation."""

    lever_m: np.ndarray  # (3,) segment frame, from the proximal joint
    rotation: np.ndarray  # (3, 3) sensor axes expressed in the segment frame


def pelvis_rotation(ch: dict[str, np.ndarray]) -> np.ndarray:
    """World rotation of the pelvis: yaw about z, then pitch about y, then roll about x."""
    return (
        rot_z(ch["pel_yaw_deg"] * DEG)
        @ rot_y(ch["pel_pitch_deg"] * DEG)
        @ rot_x(ch["pel_roll_deg"] * DEG)
    )


def thigh_pose(
    ch: dict[str, np.ndarray], leg: str, body: Anthropometry
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(R_thigh (N,3,3), hip position (N,3), knee position (N,3)) in the world frame."""
    side = 1.0 if leg == "right" else -1.0  # + adduction moves a right knee towards +y
    r_pel = pelvis_rotation(ch)
    r_hip = (
        rot_y(-ch["flex_deg"] * DEG)
        @ rot_x(side * ch["add_deg"] * DEG)
        @ rot_z(side * ch["rot_deg"] * DEG)
    )
    r_th = r_pel @ r_hip
    pel_pos = np.stack([ch["pel_x_m"], ch["pel_y_m"], ch["pel_z_m"]], -1)
    hip_off = np.array([0.0, -side * body.hip_half_width_m, 0.0])
    hip = pel_pos + r_pel @ hip_off
    knee = hip + r_th @ np.array([0.0, 0.0, -body.thigh_len_m])
    return r_th, hip, knee


def shank_rotation(r_thigh: np.ndarray, knee_deg: np.ndarray) -> np.ndarray:
    """World rotation of the shank: the thigh frame flexed about its y axis at the knee."""
    return r_thigh @ rot_y(knee_deg * DEG)


def sensor_rotation(
    r_seg: np.ndarray, mount: Mount, wobble_rad: np.ndarray | None = None
) -> np.ndarray:
    """World rotations (N, 3, 3) of a sensor on a segment, its skin wobble included."""
    if wobble_rad is None:
        return r_seg @ mount.rotation
    return r_seg @ rotvec_to_matrix(wobble_rad) @ mount.rotation


def ideal_imu(
    r_seg: np.ndarray,
    origin: np.ndarray,
    mount: Mount,
    fs_hz: float,
    wobble_rad: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Ideal (accel_g, gyro_dps), each (N, 3), of a sensor on a moving segment.

    ``r_seg`` segment rotations, ``origin`` the proximal joint's world position,
    ``wobble_rad`` an optional (N, 3) rotation vector of the sensor on the skin.
    """
    r_s = sensor_rotation(r_seg, mount, wobble_rad)
    pos = origin + r_seg @ mount.lever_m
    acc_w = second_derivative(pos, fs_hz)
    f_w = (acc_w - GRAVITY_WORLD_MS2) / STANDARD_GRAVITY_MS2
    accel_g = np.einsum("nji,nj->ni", r_s, f_w)
    gyro_dps = body_rate(r_s, fs_hz) / DEG
    return accel_g, gyro_dps
