"""Thigh (or shank) orientation that does not depend on how the strap was put on.

Per sensor: the first still second gives the gyro bias and the rest posture;
an AHRS (imufusion, x-io Fusion) fuses gyro and accelerometer into the
direction of gravity in the sensor frame, so no sensor axis is ever assumed.
Angles are then measured between gravity directions (see
``analysis.core``), which is the same whichever way the sensor sits on
the thigh. The gyro bias is re-estimated in every still second, so slow bias
drift does not turn into phantom motion. The angular speed is the magnitude of
the low-passed, bias-corrected gyro vector (low-pass before the magnitude, so
tremor is filtered and not rectified into a false speed).
"""

from __future__ import annotations

import math

import imufusion
import numpy as np

from analysis._kernels import load
from analysis.lowpass import SpeedLowpass
from analysis.settings import CoreSettings

_AhrsSteps = load("_ahrs").AhrsSteps


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else np.array([0.0, 0.0, 1.0])


def _row_norm(d: np.ndarray) -> np.ndarray:
    """``np.linalg.norm(d, axis=1)`` for real rows, the same operations without its wrapper."""
    return np.sqrt(np.add.reduce(d * d, axis=1))


# a live chunk's few grid samples: their speed in plain Python (numpy's calls cost more)
SMALL_TAKE = 8


def _row_norm_small(rows: list[list[float]], bias: list[float]) -> list[float]:
    """:func:`_row_norm` of ``rows - bias`` in plain floats, bit for bit.

    The same operations in numpy's order: the difference, the squares, their
    sum left to right ((x + y) + z: numpy's reduction over three) and a
    correctly rounded square root (tests/test_orientation.py checks the bits).
    """
    bx, by, bz = bias
    out = []
    for r in rows:  # (the first three of each row: a row may carry more columns)
        dx, dy, dz = r[0] - bx, r[1] - by, r[2] - bz
        out.append(math.sqrt(dx * dx + dy * dy + dz * dz))
    return out


class OrientationTracker:
    """Streaming: grid samples of one sensor in; gravity direction and speed out."""

    def __init__(self, settings: CoreSettings) -> None:
        self.s = settings
        self.dt_s = 1.0 / settings.grid_hz
        self.window = max(2, round(settings.still_window_s * settings.grid_hz))
        self.bias_dps: np.ndarray | None = None
        self.rest_gravity: np.ndarray | None = None
        self._ahrs = imufusion.Ahrs()
        self._steps = _AhrsSteps(self._ahrs)  # (a live chunk's AHRS steps, compiled)
        ahrs_settings = imufusion.AhrsSettings()
        ahrs_settings.gain = settings.ahrs_gain
        ahrs_settings.sample_rate = int(round(settings.grid_hz))
        # most IMUs here run at +-500 dps: treat rates near it as clipped, so the
        # AHRS recovers from the accelerometer instead of trusting the gyro
        ahrs_settings.gyroscope_range = settings.gyro_clip_dps
        ahrs_settings.acceleration_rejection = 0.0  # slow movements: trust gravity
        self._ahrs.set_settings(ahrs_settings)
        self._ahrs.set_sample_period(self.dt_s)
        self._lowpass = SpeedLowpass(settings.speed_cutoff_hz, settings.grid_hz)
        self._win_acc: list[np.ndarray] = []
        self._win_gyr: list[np.ndarray] = []
        self._win_fill = 0
        self._win_speed_max = 0.0
        self.still_windows = 0
        self._seen = 0
        self._calibrated_at = -1
        self._cal_bias: np.ndarray | None = None
        self._needs_init = False
        self._anchor_n = max(1, round(settings.anchor_s * settings.grid_hz))

    @property
    def calibrated(self) -> bool:
        return self.bias_dps is not None

    @property
    def calibrated_at(self) -> int:
        """Grid samples seen when calibration completed (-1 if not yet)."""
        return self._calibrated_at

    def precalibrated_copy(self) -> OrientationTracker:
        """A fresh tracker that already knows this one's calibration.

        Used to re-analyse the samples that arrived before the first still
        second: the AHRS starts from the first replayed sample's gravity.
        """
        copy = OrientationTracker(self.s)
        # the bias found in the calibration window, not any later refinement, so the
        # replay does not depend on how far this tracker ran past calibration
        copy.bias_dps = None if self._cal_bias is None else self._cal_bias.copy()
        copy.rest_gravity = None if self.rest_gravity is None else self.rest_gravity.copy()
        copy._needs_init = True
        copy._calibrated_at = 0
        return copy

    def delay_s(self) -> float:
        """Low-frequency group delay of the speed filter (to align event times)."""
        return self._lowpass.group_delay_s(0.3)

    def process(
        self,
        acc_g: np.ndarray,
        gyro_dps: np.ndarray,
        reset: bool,
        lp_rows: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return gravity direction (M, 3) (NaN until calibrated) and speed_dps (M,).

        ``lp_rows``: the low-passed ``(gyro, acc)`` rows (6, M), when the caller
        filtered them already (two sensors' columns in one call of one filter,
        :class:`analysis.tracking.Tracking`); then this tracker's own filter is
        not used. Per column the filter is the same, so the result is too.
        """
        m = len(acc_g)
        if 0 < m <= SMALL_TAKE and self.calibrated and not (reset or self._needs_init):
            return self._process_small(acc_g, gyro_dps, lp_rows)
        # (every row is written once calibrated: no need to fill it first)
        grav = np.empty((m, 3)) if self.calibrated else np.full((m, 3), np.nan)
        if m == 0:
            return grav, np.zeros(0)
        if reset and self.calibrated:
            self._init_ahrs(acc_g[0])
        # voluntary movement is below a few Hz: stillness and speed are judged on
        # the low-passed signals, so tremor and noise are not mistaken for motion
        if lp_rows is None:
            lp_rows = self._lowpass.filter_rows(np.concatenate((gyro_dps.T, acc_g.T)), reset)
        lp = lp_rows.T
        lp_gyro, lp_acc = np.ascontiguousarray(lp[:, :3]), np.ascontiguousarray(lp[:, 3:])
        if self._needs_init:
            self._init_ahrs(lp_acc[0])
            self._needs_init = False
        speed = np.empty(m)
        i = 0
        while i < m:
            # several whole windows (offline, long chunks): statistics in one go
            if self.calibrated and self._win_fill == 0 and m - i >= 4 * self.window:
                i = self._whole_windows(lp_acc, lp_gyro, gyro_dps, i, grav, speed)
                continue
            take = min(m - i, self.window - self._win_fill)
            sl = slice(i, i + take)
            # the bias in force for these samples (it changes only at window ends)
            bias = self.bias_dps if self.bias_dps is not None else lp_gyro[sl].mean(axis=0)
            if take <= SMALL_TAKE:
                sp = _row_norm_small(lp_gyro[sl].tolist(), bias.tolist())
                speed[sl] = sp
                sp_max = max(sp)
            else:
                speed[sl] = _row_norm(lp_gyro[sl] - bias)
                sp_max = float(speed[sl].max())
            if self.calibrated:
                # low-passed accel: tremor and impacts shake the accelerometer, not
                # the direction of gravity
                grav[sl] = self._run_ahrs(lp_acc[sl], gyro_dps[sl])
            self._win_acc.append(lp_acc[sl])
            self._win_gyr.append(lp_gyro[sl])
            self._win_speed_max = max(self._win_speed_max, sp_max)
            self._win_fill += take
            self._seen += take
            i += take
            if self._win_fill == self.window:
                self._close_window()
        return grav, speed

    # -- internals ---------------------------------------------------------
    def _process_small(
        self, acc_g: np.ndarray, gyro_dps: np.ndarray, lp_rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`process` of a live chunk's few samples once calibrated.

        The same operations in the same order, sample by sample, in a compiled
        loop (``analysis/_ahrs.pyx``): on two or three samples numpy's per-call
        cost is most of the work. A window that fills here is closed before the
        next sample, as in :meth:`process`, so the bias and the AHRS anchor
        change where they would there.
        """
        assert self.bias_dps is not None
        m = len(acc_g)
        if lp_rows is None:
            lp_rows = self._lowpass.filter_rows(np.concatenate((gyro_dps.T, acc_g.T)))
        lp = lp_rows.T  # (lp gyro, lp accel) per sample
        grav = np.empty((m, 3))
        speed = np.empty(m)
        i = 0
        while i < m:
            take = min(m - i, self.window - self._win_fill)
            # speed and AHRS steps as _row_norm and _run_ahrs compute them (compiled)
            top = self._steps.run(lp, gyro_dps, self.bias_dps, i, i + take, grav, speed)
            self._win_acc.append(lp[i : i + take, 3:])
            self._win_gyr.append(lp[i : i + take, :3])
            self._win_speed_max = max(self._win_speed_max, top)
            self._win_fill += take
            self._seen += take
            i += take
            if self._win_fill == self.window:
                self._close_window()
        return grav, speed

    def _whole_windows(
        self,
        lp_acc: np.ndarray,
        lp_gyro: np.ndarray,
        gyro_dps: np.ndarray,
        i0: int,
        grav: np.ndarray,
        speed: np.ndarray,
    ) -> int:
        """The whole still windows from sample ``i0`` on, in one go; return where they end.

        Window by window, the numpy calls on 25 samples cost more than their
        arithmetic. Here the statistics of all windows come from one call each
        (row by row the same operations, so bit-identical to :meth:`_close_window`),
        and speed and AHRS run in one stretch from one still window (the only
        windows that change the bias or re-anchor the AHRS) to the next.
        """
        assert self.bias_dps is not None
        w = self.window
        k = (len(lp_acc) - i0) // w
        end = i0 + k * w
        acc = lp_acc[i0:end].reshape(k, w, 3)
        gyr = lp_gyro[i0:end].reshape(k, w, 3)
        steady = self._steady(acc, gyr)
        seg = sped = i0  # first sample whose gravity, whose speed, is not known yet
        for j in np.flatnonzero(steady).tolist():
            s0, s1 = i0 + j * w, i0 + (j + 1) * w
            # the speed up to this window's end, with the bias in force since seg
            speed[sped:s1] = _row_norm(lp_gyro[sped:s1] - self.bias_dps)
            sped = s1
            if float(speed[s0:s1].max()) > self.s.surely_moving_dps:
                continue  # clearly moving (as in _close_window)
            a = np.ascontiguousarray(acc[j])
            if not self._level(a):
                continue
            self._advance(lp_acc, gyro_dps, seg, s1, grav)
            self._still_window(a, np.ascontiguousarray(gyr[j]))
            seg = s1
        speed[sped:end] = _row_norm(lp_gyro[sped:end] - self.bias_dps)
        self._advance(lp_acc, gyro_dps, seg, end, grav)
        return end

    def _advance(
        self, lp_acc: np.ndarray, gyro_dps: np.ndarray, i0: int, i1: int, grav: np.ndarray
    ) -> None:
        """Gravity of samples ``i0:i1`` (calibrated; no still window inside)."""
        if i1 > i0:
            grav[i0:i1] = self._run_ahrs(lp_acc[i0:i1], gyro_dps[i0:i1])
            self._seen += i1 - i0

    def _run_ahrs(self, a: np.ndarray, g: np.ndarray) -> np.ndarray:
        """Gravity after an AHRS step per row (low-passed accel ``a``, raw gyro ``g``).

        Compiled (``analysis/_ahrs.pyx``): the AHRS computes in float32, so the rows
        are converted there, the bias-corrected gyro as ``g - bias`` rounds."""
        assert self.bias_dps is not None
        return self._steps.gravity(a, g, self.bias_dps)

    def _close_window(self) -> None:
        # contiguous copies: the sums below then add in the same order whether the
        # window came in one block or several (bit-identical results whatever the chunking)
        fast = self._win_speed_max > self.s.surely_moving_dps
        self._win_speed_max = 0.0
        if fast:  # clearly moving: skip the statistics (most windows during exercise)
            self._win_acc, self._win_gyr, self._win_fill = [], [], 0
            return
        a = np.ascontiguousarray(np.concatenate(self._win_acc))
        g = np.ascontiguousarray(np.concatenate(self._win_gyr))
        self._win_acc, self._win_gyr, self._win_fill = [], [], 0
        if bool(self._steady(a[None], g[None])[0]) and self._level(a):
            self._still_window(a, g)

    def _steady(self, acc: np.ndarray, gyr: np.ndarray) -> np.ndarray:
        """Per window of a stack (K, window, 3): low-passed gyro and accel norm steady.

        One window at a time (:meth:`_close_window`, a stack of one) or many at once
        (:meth:`_whole_windows`): row by row the same operations, the same verdicts.
        """
        return (gyr.std(axis=1).max(axis=1) < self.s.still_gyro_std_dps) & (
            np.linalg.norm(acc, axis=2).std(axis=1) < self.s.still_accel_std_g
        )

    def _level(self, a: np.ndarray) -> bool:
        """Gravity turned less than a degree over a window (``a`` contiguous)."""
        c = _unit(a[0]) @ _unit(a[-1])
        # (min/max: np.clip's value, without its cost on a scalar)
        return float(np.degrees(np.arccos(min(max(c, -1.0), 1.0)))) < 1.0

    def _still_window(self, a: np.ndarray, g: np.ndarray) -> None:
        """A still window (``a``, ``g`` contiguous): calibrate, or refine bias and AHRS."""
        self.still_windows += 1
        mean_g = g.mean(axis=0)
        if self.bias_dps is None:
            self.bias_dps = mean_g
            self.rest_gravity = _unit(a.mean(axis=0))
            self._init_ahrs(a.mean(axis=0))
            self._calibrated_at = self._seen
            self._cal_bias = mean_g.copy()
        else:
            # (the speed at the window's end, as process() computed it)
            end_dps = float(_row_norm(g[-self._anchor_n :] - self.bias_dps).max())
            if float(np.linalg.norm(mean_g - self.bias_dps)) < 1.5:
                self.bias_dps = self.bias_dps + 0.3 * (mean_g - self.bias_dps)
            # still: gravity is what the accelerometer reads; drop any error the
            # gyro integrated during the last movement (e.g. a clipped fast kick);
            # the window's last samples, not its mean, so a creeping leg is not
            # put back where it was half a window ago. Not if a movement has begun
            # there: the low-passed accelerometer lags the leg, and the anchor would
            # put the estimate off by a degree or two for seconds
            if end_dps < self.s.anchor_max_dps:
                self._init_ahrs(a[-self._anchor_n :].mean(axis=0))

    def _init_ahrs(self, acc_g: np.ndarray) -> None:
        """Restart the AHRS at the orientation whose gravity is this reading.

        The shortest rotation taking the measured gravity direction onto the
        earth's up axis (x-io Fusion's NWU convention); heading does not matter.
        """
        u = _unit(np.asarray(acc_g, dtype=np.float64))
        w = 1.0 + u[2]
        if w < 1e-9:  # upside down: any half-turn about a horizontal axis
            q = np.array([0.0, 1.0, 0.0, 0.0])
        else:
            q = np.array([w, u[1], -u[0], 0.0])  # [1 + u.z, u x z]
            q /= np.linalg.norm(q)
        self._ahrs.restart()
        self._ahrs.skip_startup()
        self._ahrs.set_quaternion(q)
