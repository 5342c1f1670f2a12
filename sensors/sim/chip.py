"""The IMU chip and the recording chain: what turns ideal kinematics into real samples.

Modelled after an MPU-6050-class part: a digital low-pass filter (DLPF) on the
internal high-rate signal, sampling at the output rate (no further
anti-aliasing: a 25 Hz rate with a 10 Hz DLPF aliases a little, as real parts
do), per-axis scale error and cross-axis coupling, constant bias plus slow bias
drift, white noise, int16 quantisation at ±4 g / ±500 dps and clipping at full
scale. The recording chain may add timestamp jitter and drop samples (gaps).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from sensors.sim.timeline import band_noise

ACCEL_RANGE_G = 4.0
GYRO_RANGE_DPS = 500.0
ACCEL_LSB_G = ACCEL_RANGE_G / 32768.0
GYRO_LSB_DPS = GYRO_RANGE_DPS / 32768.0
DLPF_OPTIONS_HZ = (44.0, 21.0, 10.0, 5.0)


@dataclass(frozen=True)
class ChipParams:
    """One chip's imperfections (drawn per recording and per sensor)."""

    dlpf_hz: float
    accel_gain: np.ndarray  # (3, 3) scale error and cross-axis coupling
    gyro_gain: np.ndarray
    accel_bias_g: np.ndarray  # (3,)
    gyro_bias_dps: np.ndarray
    accel_noise_g: float  # white-noise rms per sample
    gyro_noise_dps: float
    accel_drift_g: float  # rms of the slow bias drift
    gyro_drift_dps: float
    seed: int
    clock_error: float = 0.0  # the oscillator runs at (1 + clock_error) × the nominal rate

    @classmethod
    def draw(cls, rng: np.random.Generator, rate_hz: float) -> ChipParams:
        allowed = [f for f in DLPF_OPTIONS_HZ if f <= 0.45 * rate_hz] or [DLPF_OPTIONS_HZ[-1]]
        dlpf = float(rng.choice(allowed[:2]))

        def gain(scale: float, cross: float) -> np.ndarray:
            g = np.eye(3) + np.diag(rng.uniform(-scale, scale, 3))
            off = rng.uniform(-cross, cross, (3, 3))
            np.fill_diagonal(off, 0.0)
            return g + off

        return cls(
            dlpf_hz=dlpf,
            accel_gain=gain(0.03, 0.01),
            gyro_gain=gain(0.03, 0.01),
            accel_bias_g=rng.uniform(-0.04, 0.04, 3),
            gyro_bias_dps=rng.uniform(-3.0, 3.0, 3),
            # white noise: density × √(noise bandwidth of the 2nd-order DLPF ≈ 1.57 fc)
            accel_noise_g=float(rng.uniform(250e-6, 500e-6)) * np.sqrt(1.57 * dlpf),
            gyro_noise_dps=float(rng.uniform(0.02, 0.08)) * np.sqrt(1.57 * dlpf),
            accel_drift_g=float(rng.uniform(0.0, 0.004)),
            gyro_drift_dps=float(rng.uniform(0.0, 0.3)),
            seed=int(rng.integers(0, 2**31 - 1)),
            clock_error=float(rng.uniform(-0.015, 0.015)),
        )

    @classmethod
    def ideal(cls, rate_hz: float) -> ChipParams:
        """No errors at all, only a DLPF well above the motion band (for tests)."""
        allowed = [f for f in DLPF_OPTIONS_HZ if f <= 0.45 * rate_hz] or [DLPF_OPTIONS_HZ[-1]]
        z = np.zeros(3)
        return cls(allowed[0], np.eye(3), np.eye(3), z, z, 0.0, 0.0, 0.0, 0.0, 0)


def dlpf(x: np.ndarray, fs_hz: float, cutoff_hz: float) -> np.ndarray:
    """Causal 2nd-order Butterworth low-pass along axis 0, started in steady state."""
    sos = signal.butter(2, cutoff_hz, fs=fs_hz, output="sos")
    zi = signal.sosfilt_zi(sos)[:, :, None] * x[0][None, None, :]
    y, _ = signal.sosfilt(sos, x, axis=0, zi=zi)
    return y


def apply_chip(
    accel_g: np.ndarray,
    gyro_dps: np.ndarray,
    t_int_s: np.ndarray,
    fs_int_hz: float,
    t_s: np.ndarray,
    chip: ChipParams,
    ideal: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Chip outputs at sample instants ``t_s`` from ideal signals on the internal grid.

    The DLPF runs on the internal grid; samples are read off it by linear
    interpolation (exact when ``t_s`` falls on the grid; the filtered signal has
    nothing near the grid's Nyquist frequency, so the error is negligible).
    """
    acc_f = dlpf(accel_g, fs_int_hz, chip.dlpf_hz)
    gyr_f = dlpf(gyro_dps, fs_int_hz, chip.dlpf_hz)
    acc = np.stack([np.interp(t_s, t_int_s, acc_f[:, k]) for k in range(3)], -1)
    gyr = np.stack([np.interp(t_s, t_int_s, gyr_f[:, k]) for k in range(3)], -1)
    if ideal:
        return acc, gyr
    rng = np.random.default_rng(chip.seed)
    acc = acc @ chip.accel_gain.T + chip.accel_bias_g
    gyr = gyr @ chip.gyro_gain.T + chip.gyro_bias_dps
    t0, t1 = float(t_s[0]), float(t_s[-1]) + 1.0
    for k in range(3):
        seeds = rng.integers(0, 2**31 - 1, 2)
        acc[:, k] += band_noise(t0 - 1, t1, chip.accel_drift_g, 0.001, 0.02, int(seeds[0]), 1e-6)(
            t_s
        )
        gyr[:, k] += band_noise(t0 - 1, t1, chip.gyro_drift_dps, 0.001, 0.02, int(seeds[1]), 1e-6)(
            t_s
        )
    acc += rng.normal(0.0, chip.accel_noise_g, acc.shape)
    gyr += rng.normal(0.0, chip.gyro_noise_dps, gyr.shape)
    acc = np.clip(np.round(acc / ACCEL_LSB_G), -32768, 32767) * ACCEL_LSB_G
    gyr = np.clip(np.round(gyr / GYRO_LSB_DPS), -32768, 32767) * GYRO_LSB_DPS
    return acc, gyr


def jitter_times(t_s: np.ndarray, rate_hz: float, rng: np.random.Generator) -> np.ndarray:
    """Timestamps with read-time jitter (Gaussian, 5–30 % of a period), kept non-decreasing."""
    sigma = rng.uniform(0.05, 0.3) / rate_hz
    out = t_s + rng.normal(0.0, sigma, t_s.shape)
    return np.maximum.accumulate(out)


def drop_samples(n: int, duration_s: float, rate_hz: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean keep-mask: bursts of lost samples (1 + one per 15 s on average, 1 sample–0.4 s)."""
    keep = np.ones(n, dtype=bool)
    n_bursts = 1 + int(rng.poisson(duration_s / 15.0))
    for _ in range(n_bursts):
        start = int(rng.integers(1, max(n - 1, 2)))
        length = int(max(1, round(rng.exponential(0.08) * rate_hz)))
        keep[start : min(start + min(length, int(0.4 * rate_hz) + 1), n - 1)] = False
    return keep
