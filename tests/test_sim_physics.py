"""Physics sanity of the simulator: gravity, rotation rates, centripetal terms, ROM."""

from __future__ import annotations

import numpy as np
import pytest

from sensors.sim import SimConfig, simulate
from sensors.sim.body import STANDARD_GRAVITY_MS2, Anthropometry, Mount, ideal_imu, thigh_pose
from sensors.sim.rotations import DEG, random_rotation, rotvec_to_matrix
from sensors.sim.timeline import CHANNELS

FS = 400.0


def _channels(n: int, **values: np.ndarray | float) -> dict[str, np.ndarray]:
    ch = {c: np.zeros(n) for c in CHANNELS}
    for k, v in values.items():
        ch[k] = np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()
    return ch


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("posture", ["seated", "standing", "supine"])
def test_resting_sensor_reads_one_g_up_for_any_strap(seed: int, posture: str) -> None:
    rng = np.random.default_rng(seed)
    pose = {
        "seated": {"flex_deg": 88.0, "knee_deg": 90.0, "pel_z_m": 0.48},
        "standing": {"pel_z_m": 0.92},
        "supine": {"flex_deg": 85.0, "pel_pitch_deg": -90.0, "pel_z_m": 0.5},
    }[posture]
    ch = _channels(200, **pose)
    r_th, hip, _ = thigh_pose(ch, "right", Anthropometry())
    mount = Mount(np.array([0.07, -0.02, -0.22]), random_rotation(rng))
    acc, gyr = ideal_imu(r_th, hip, mount, FS)
    assert np.allclose(np.linalg.norm(acc, axis=1), 1.0, atol=1e-9)
    assert np.allclose(gyr, 0.0, atol=1e-9)
    # the reading is the world 'up' direction expressed in sensor axes
    up_in_sensor = (r_th[0] @ mount.rotation).T @ np.array([0.0, 0.0, 1.0])
    assert np.allclose(acc[0], up_in_sensor, atol=1e-9)


def test_aligned_strap_axes_follow_the_thigh() -> None:
    """Seated, the thigh's forward (x) axis points up; standing, its z axis does."""
    mount = Mount(np.array([0.0, 0.0, -0.2]), np.eye(3))
    seated = _channels(50, flex_deg=90.0)
    r, hip, _ = thigh_pose(seated, "right", Anthropometry())
    acc, _ = ideal_imu(r, hip, mount, FS)
    assert np.allclose(acc[25], [1.0, 0.0, 0.0], atol=1e-9)
    standing = _channels(50)
    r, hip, _ = thigh_pose(standing, "left", Anthropometry())
    acc, _ = ideal_imu(r, hip, mount, FS)
    assert np.allclose(acc[25], [0.0, 0.0, 1.0], atol=1e-9)


@pytest.mark.parametrize("lever_m", [0.15, 0.3])
def test_constant_rate_hip_rotation_gives_centripetal_acceleration(lever_m: float) -> None:
    rate_dps = 120.0
    t = np.arange(800) / FS
    ch = _channels(t.size, flex_deg=rate_dps * t, pel_z_m=0.9)
    r_th, hip, _ = thigh_pose(ch, "right", Anthropometry())
    mount = Mount(np.array([0.0, 0.0, -lever_m]), np.eye(3))
    acc, gyr = ideal_imu(r_th, hip, mount, FS)
    inner = slice(5, -5)
    # gyro: flexion is a rotation about the thigh's −y axis
    assert np.allclose(gyr[inner], [0.0, -rate_dps, 0.0], atol=1e-6)
    # accel: gravity term plus ω²L pointing from the sensor to the hip (+z of the thigh)
    grav = np.einsum("nji,j->ni", r_th, [0.0, 0.0, 1.0])
    centripetal_g = (rate_dps * DEG) ** 2 * lever_m / STANDARD_GRAVITY_MS2
    expected = grav + np.array([0.0, 0.0, centripetal_g])
    assert np.allclose(acc[inner], expected[inner], atol=1e-5)
    assert centripetal_g > 0.01  # the check is not vacuous


def test_angular_acceleration_gives_tangential_term() -> None:
    alpha_dps2 = 200.0
    t = np.arange(800) / FS
    ch = _channels(t.size, flex_deg=0.5 * alpha_dps2 * t**2, pel_z_m=0.9)
    r_th, hip, _ = thigh_pose(ch, "right", Anthropometry())
    lever_m = 0.25
    acc, _ = ideal_imu(r_th, hip, Mount(np.array([0.0, 0.0, -lever_m]), np.eye(3)), FS)
    grav = np.einsum("nji,j->ni", r_th, [0.0, 0.0, 1.0])
    omega = alpha_dps2 * t * DEG
    tang = alpha_dps2 * DEG * lever_m / STANDARD_GRAVITY_MS2  # knee moves forward: +x thigh
    cent = omega**2 * lever_m / STANDARD_GRAVITY_MS2
    expected = grav + np.stack([np.full_like(t, tang), 0 * t, cent], -1)
    assert np.allclose(acc[5:-5], expected[5:-5], atol=2e-4)  # 2nd-order differences


def _integrate_gyro(gyro_dps: np.ndarray, dt_s: np.ndarray) -> np.ndarray:
    """Orientation change (N, 3, 3) from the first sample by composing small rotations."""
    steps = rotvec_to_matrix(gyro_dps[:-1] * DEG * dt_s[:, None])
    out = np.empty((gyro_dps.shape[0], 3, 3))
    out[0] = np.eye(3)
    for k in range(steps.shape[0]):
        out[k + 1] = out[k] @ steps[k]
    return out


@pytest.mark.parametrize("exercise", ["seated_leg_raise", "seated_leg_kick", "raised_leg_stretch"])
def test_integrated_gyro_matches_truth_rom(exercise: str) -> None:
    cfg = SimConfig(exercise, reps=4, seed=5, noise=False, wobble=False, tremor=False, rate_hz=200)
    res = simulate(cfg)
    t, gyr = res.chunk.t_s, res.chunk.gyro_dps
    for rep in res.truth.reps:
        i0, i1 = np.searchsorted(t, [rep.start_s, rep.end_s])
        r = _integrate_gyro(gyr[i0 : i1 + 1], np.diff(t[i0 : i1 + 1]))
        angle = np.degrees(np.arccos(np.clip((np.trace(r, axis1=1, axis2=2) - 1) / 2, -1, 1)))
        assert angle.max() == pytest.approx(rep.rom_deg, abs=0.3 + 0.03 * rep.rom_deg)
        assert rep.rom_deg >= 4.0


def test_thigh_is_still_between_reps_and_moves_during_them() -> None:
    cfg = SimConfig("seated_leg_raise", reps=6, seed=3, noise=False, wobble=False, tremor=False)
    res = simulate(cfg)
    t, g = res.chunk.t_s, np.linalg.norm(res.chunk.gyro_dps, axis=1)
    reps = res.truth.reps
    for a, b in zip(reps[:-1], reps[1:], strict=True):
        gap = (t > a.end_s + 0.05) & (t < b.start_s - 0.05)
        assert g[gap].max() < 2.0  # postural sway only
    for rep in reps:
        lift = (t > rep.start_s) & (t < rep.start_s + rep.phases["lift_s"])
        assert g[lift].max() > 1.875 * rep.rom_deg / rep.phases["lift_s"] * 0.6
    before = t < res.truth.set_start_s + 3.0
    assert g[before].max() < 2.0


def test_noisy_chip_at_rest_reads_about_one_g() -> None:
    for seed in range(5):
        res = simulate(SimConfig("seated_leg_kick", reps=1, seed=seed))
        still = res.chunk.t_s < res.truth.set_start_s + 2.5
        mag = np.linalg.norm(res.chunk.accel_g[still], axis=1)
        assert np.median(mag) == pytest.approx(1.0, abs=0.08)
        assert 0.001 < mag.std() < 0.02
        gyro_std = res.chunk.gyro_dps[still].std(axis=0)
        assert (gyro_std < 0.6).all()


def test_thigh_up_is_what_a_still_accelerometer_reads() -> None:
    """SimResult.thigh_up (the orientation truth) agrees with an ideal chip at rest."""
    res = simulate(SimConfig("seated_leg_raise", reps=3, seed=3, noise=False, tremor=False))
    assert res.thigh_up is not None and res.thigh_up.shape == res.chunk.accel_g.shape
    before = res.chunk.t_s < res.truth.reps[0].start_s  # still in the starting posture
    u = res.chunk.accel_g[before] / np.linalg.norm(res.chunk.accel_g[before], axis=1)[:, None]
    err_deg = np.degrees(np.arccos(np.clip((u * res.thigh_up[before]).sum(axis=1), -1, 1)))
    assert err_deg.max() < 0.1
    # during the reps the accelerometer also feels the leg's acceleration: not gravity
    assert not np.allclose(res.chunk.accel_g / np.linalg.norm(res.chunk.accel_g, axis=1)[:, None],
                           res.thigh_up, atol=1e-3)  # fmt: skip
