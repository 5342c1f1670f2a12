"""Register-level fakes of the ST LSM6DS3 and LSM6DSOX on a :class:`FakeBus`.

Each fake keeps the register map the driver touches, samples a
:data:`MotionSource` on a fixed grid at the configured output data rate
(ODR) of its own clock, quantises and clips like the chip (int16 at the
selected full scale) and queues the samples in a FIFO of the chip's size:

* LSM6DS3: untagged 16-bit words, pattern gyro x/y/z then accel x/y/z,
  8 KB (682 whole gyro+accel samples), DIFF_FIFO counts words.
* LSM6DSOX: tagged 7-byte words (tag, then x/y/z int16), a gyro word
  (tag 0x01) and an accel word (tag 0x02) per time slot sharing TAG_CNT,
  3 KB of data (256 whole samples), DIFF_FIFO counts tagged words.

In continuous mode a full FIFO overwrites its oldest sample and raises the
overrun flag. ``samples_dropped`` counts, exactly, every sample slot since the
FIFO was first enabled that the driver can no longer receive: overwritten,
flushed by a FIFO reset (bypass) or software reset, or elapsed while the FIFO
was not collecting. So ``samples_delivered + samples_dropped + fifo_samples ==
samples_produced`` at all times.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from sensors import lsm6ds as reg
from sensors.fakes.bus import FakeChip, MotionSource, still_motion

VARIANT_MODELS: dict[int, str] = {v.who_am_i: v.model for v in reg.VARIANTS.values()}


class _FakeLsm6ds(FakeChip):
    """What both variants share: control registers, sample grid, FIFO bytes."""

    who_am_i: int = 0
    sample_bytes: int = 12  # bytes one gyro+accel sample takes in the FIFO
    word_bytes: int = 2  # what DIFF_FIFO counts
    capacity_samples: int = 0
    data_out_register: int = 0

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        motion: MotionSource = still_motion,
        rate_error: float = 0.0,
    ) -> None:
        super().__init__(clock)
        self.model = VARIANT_MODELS[self.who_am_i]
        self.motion = motion
        self.rate_error = rate_error  # oscillator error: actual = nominal * (1 + rate_error)
        self.samples_produced = 0
        self.samples_dropped = 0
        self.samples_delivered = 0
        self.overflow_events = 0
        # sample grid: slots at rate_hz * (1 + rate_error) counted from t0_s
        self._grid_rate_hz = 0.0  # 0 until the FIFO first collects
        self._grid_t0_s = 0.0
        self._grid_ticks = 0
        self._collecting = False
        self._rephase = False
        self._slot_counter = 0
        self._reset_registers()

    def _reset_registers(self) -> None:
        self.regs = bytearray(256)
        self.regs[reg.WHO_AM_I] = self.who_am_i
        self.regs[reg.CTRL3_C] = reg.CTRL3_C_IF_INC  # power-on default
        self._fifo = bytearray()
        self._head_read = 0  # bytes of the oldest sample already read out
        self._overrun = False

    @property
    def fifo_samples(self) -> int:
        """Whole or partly unread samples still in the FIFO."""
        return -(-(len(self._fifo) + self._head_read) // self.sample_bytes)

    # --- subclass hooks ----------------------------------------------------
    def _fifo_rate_hz(self) -> float:
        """The rate at which samples enter the FIFO with these registers, 0 if none."""
        raise NotImplementedError

    def _pack(self, gyro_raw: np.ndarray, accel_raw: np.ndarray) -> bytes:
        raise NotImplementedError

    def _status(self) -> dict[int, int]:
        raise NotImplementedError

    def _is_fifo_mode_register(self, register: int) -> bool:
        raise NotImplementedError

    # --- sampling ----------------------------------------------------------
    def _scales(self) -> tuple[float, float]:
        """(g per LSB, dps per LSB) from CTRL1_XL / CTRL2_G."""
        fs_xl = (self.regs[reg.CTRL1_XL] >> 2) & 0x3
        accel = reg.ACCEL_SENSITIVITY_G[reg.FS_XL_CODE_TO_G[fs_xl]]
        ctrl2 = self.regs[reg.CTRL2_G]
        if ctrl2 & reg.CTRL2_G_FS_125:
            gyro = reg.GYRO_SENSITIVITY_DPS[125]
        else:
            gyro = reg.GYRO_SENSITIVITY_DPS[reg.FS_G_CODE_TO_DPS[(ctrl2 >> 2) & 0x3]]
        return accel, gyro

    def _sync(self, now_s: float) -> None:
        """Account for every slot of the grid up to ``now_s``."""
        if self._grid_rate_hz <= 0:
            return
        actual = self._grid_rate_hz * (1.0 + self.rate_error)
        ticks = math.floor((now_s - self._grid_t0_s) * actual + 1e-9)
        n_new = ticks - self._grid_ticks
        if n_new <= 0:
            return
        first = self._grid_ticks + 1
        self._grid_ticks = ticks
        self.samples_produced += n_new
        if not self._collecting:
            self.samples_dropped += n_new  # slots elapsed while the FIFO was off
            return
        t_s = self._grid_t0_s + np.arange(first, ticks + 1) / actual
        accel_g, gyro_dps = self.motion(t_s)
        g_per_lsb, dps_per_lsb = self._scales()
        accel_raw = _quantise(np.asarray(accel_g, dtype=np.float64), g_per_lsb)
        gyro_raw = _quantise(np.asarray(gyro_dps, dtype=np.float64), dps_per_lsb)
        overflow = self.fifo_samples + n_new - self.capacity_samples
        if overflow > 0:
            # continuous mode: the newest overwrite the oldest
            self.overflow_events += 1
            self._overrun = True
            self.samples_dropped += overflow
            drop_old = min(overflow, self.fifo_samples)
            if drop_old:
                del self._fifo[: drop_old * self.sample_bytes - self._head_read]
                self._head_read = 0
            skip_new = overflow - drop_old  # more new samples than the whole FIFO
            if skip_new:
                accel_raw, gyro_raw = accel_raw[skip_new:], gyro_raw[skip_new:]
                self._slot_counter += skip_new
        self._fifo += self._pack(gyro_raw, accel_raw)

    def _regrid(self, now_s: float) -> None:
        """After a register write: start, stop or re-time collection.

        The sensor keeps its sampling phase while the FIFO is only switched
        off and on again (bypass, continuous) at the same rate; a new rate or
        a software reset restarts the grid at the moment collection resumes.
        """
        rate = self._fifo_rate_hz()
        if rate > 0:
            if rate != self._grid_rate_hz or self._rephase:
                self._grid_rate_hz, self._grid_t0_s, self._grid_ticks = rate, now_s, 0
                self._rephase = False
            self._collecting = True
        else:
            self._collecting = False  # the grid keeps running, undelivered

    def _flush(self) -> None:
        """FIFO contents discarded (bypass mode or reset)."""
        self.samples_dropped += self.fifo_samples
        self._fifo.clear()
        self._head_read = 0
        self._overrun = False

    def _pop(self, length: int) -> bytes:
        take = bytes(self._fifo[:length])
        del self._fifo[:length]
        consumed = self._head_read + len(take)
        self.samples_delivered += consumed // self.sample_bytes
        self._head_read = consumed % self.sample_bytes
        if self.fifo_samples < self.capacity_samples:
            self._overrun = False
        return take + bytes(length - len(take))  # an empty FIFO reads as zeros

    # --- register access ---------------------------------------------------
    def read(self, register: int, length: int) -> bytes:
        self._sync(self.clock())
        if register == self.data_out_register:
            return self._pop(length)
        status = self._status()
        out = bytearray()
        for i in range(length):
            r = (register + i) & 0xFF
            out.append(status.get(r, self.regs[r]))
        return bytes(out)

    def write(self, register: int, data: bytes) -> None:
        now_s = self.clock()
        self._sync(now_s)
        for i, value in enumerate(data):
            r = (register + i) & 0xFF
            if r == reg.WHO_AM_I:
                continue  # read-only
            if r == reg.CTRL3_C and value & reg.CTRL3_C_SW_RESET:
                self._flush()
                self._reset_registers()  # the bit clears itself
                self._rephase = True
            else:
                self.regs[r] = value & 0xFF
                if self._is_fifo_mode_register(r) and (value & 0x07) == reg.FIFO_MODE_BYPASS:
                    self._flush()
            self._regrid(now_s)


def _quantise(values: np.ndarray, per_lsb: float) -> np.ndarray:
    """Physical values -> int16 counts, rounded and clipped like the ADC."""
    return np.clip(np.rint(values / per_lsb), -32768, 32767).astype("<i2")


class FakeLSM6DS3(_FakeLsm6ds):
    """LSM6DS3 (WHO_AM_I 0x69): untagged FIFO, 8 KB, gyro words before accel."""

    who_am_i = reg.WHO_AM_I_LSM6DS3
    sample_bytes = 12
    word_bytes = 2
    capacity_samples = reg.VARIANT_DS3.capacity_frames
    data_out_register = reg.DS3_FIFO_DATA_OUT_L

    def _fifo_rate_hz(self) -> float:
        ctrl5 = self.regs[reg.DS3_FIFO_CTRL5]
        ctrl3 = self.regs[reg.DS3_FIFO_CTRL3]
        if (ctrl5 & 0x07) != reg.FIFO_MODE_CONTINUOUS:
            return 0.0
        if ctrl3 != reg.DS3_FIFO_CTRL3_NO_DECIMATION:
            return 0.0  # this fake models gyro+accel without decimation only
        if not (self.regs[reg.CTRL1_XL] >> 4 and self.regs[reg.CTRL2_G] >> 4):
            return 0.0
        return reg.ODR_CODE_TO_HZ.get((ctrl5 >> 3) & 0x0F, 0.0)

    def _pack(self, gyro_raw: np.ndarray, accel_raw: np.ndarray) -> bytes:
        words = np.hstack([gyro_raw, accel_raw]).astype("<i2")
        self._slot_counter += len(words)
        return words.tobytes()

    def _status(self) -> dict[int, int]:
        diff = min(len(self._fifo) // 2, 0x0FFF)
        s2 = (diff >> 8) & reg.DS3_FIFO_STATUS2_DIFF_H_MASK
        if self._overrun:
            s2 |= reg.DS3_FIFO_STATUS2_OVER_RUN
        if self.fifo_samples >= self.capacity_samples:
            s2 |= reg.DS3_FIFO_STATUS2_FULL
        if not self._fifo:
            s2 |= reg.DS3_FIFO_STATUS2_EMPTY
        pattern = (self._head_read // 2) % 6
        return {
            reg.FIFO_STATUS1: diff & 0xFF,
            reg.FIFO_STATUS2: s2,
            reg.DS3_FIFO_STATUS3: pattern & 0xFF,
            reg.DS3_FIFO_STATUS4: pattern >> 8,
        }

    def _is_fifo_mode_register(self, register: int) -> bool:
        return register == reg.DS3_FIFO_CTRL5


class FakeLSM6DSOX(_FakeLsm6ds):
    """LSM6DSOX (WHO_AM_I 0x6C): tagged FIFO, 3 KB of data, 7-byte words."""

    who_am_i = reg.WHO_AM_I_LSM6DSOX
    sample_bytes = 14
    word_bytes = 7
    capacity_samples = reg.VARIANT_DSOX.capacity_frames
    data_out_register = reg.DSOX_FIFO_DATA_OUT_TAG

    def _fifo_rate_hz(self) -> float:
        ctrl4 = self.regs[reg.DSOX_FIFO_CTRL4]
        ctrl3 = self.regs[reg.DSOX_FIFO_CTRL3]
        if (ctrl4 & 0x07) != reg.FIFO_MODE_CONTINUOUS:
            return 0.0
        bdr_xl, bdr_gy = ctrl3 & 0x0F, ctrl3 >> 4
        if bdr_xl != bdr_gy:
            return 0.0  # this fake models equal accel and gyro batch rates only
        if not (self.regs[reg.CTRL1_XL] >> 4 and self.regs[reg.CTRL2_G] >> 4):
            return 0.0
        return reg.ODR_CODE_TO_HZ.get(bdr_xl, 0.0)

    def _pack(self, gyro_raw: np.ndarray, accel_raw: np.ndarray) -> bytes:
        n = len(gyro_raw)
        cnt = (self._slot_counter + np.arange(n)) % 4
        self._slot_counter += n
        out = np.zeros((n, 2, 7), dtype=np.uint8)
        out[:, 0, 0] = _tag(reg.DSOX_TAG_GYRO_NC, cnt)
        out[:, 1, 0] = _tag(reg.DSOX_TAG_XL_NC, cnt)
        out[:, 0, 1:] = np.ascontiguousarray(gyro_raw, dtype="<i2").view(np.uint8).reshape(n, 6)
        out[:, 1, 1:] = np.ascontiguousarray(accel_raw, dtype="<i2").view(np.uint8).reshape(n, 6)
        return out.tobytes()

    _ovr_latched = False  # OVER_RUN_LATCHED: set on overrun, cleared by reading STATUS2

    def _status(self) -> dict[int, int]:
        diff = min(len(self._fifo) // 7, 0x03FF)
        s2 = (diff >> 8) & reg.DSOX_FIFO_STATUS2_DIFF_H_MASK
        if self._overrun:
            s2 |= reg.DSOX_FIFO_STATUS2_OVR_IA
        if self._overrun or self._ovr_latched:
            s2 |= reg.DSOX_FIFO_STATUS2_OVR_LATCHED
        if self.fifo_samples >= self.capacity_samples:
            s2 |= reg.DSOX_FIFO_STATUS2_FULL_IA
        return {reg.FIFO_STATUS1: diff & 0xFF, reg.FIFO_STATUS2: s2}

    def _sync(self, now_s: float) -> None:
        super()._sync(now_s)
        self._ovr_latched = self._ovr_latched or self._overrun

    def read(self, register: int, length: int) -> bytes:
        out = super().read(register, length)
        if register <= reg.FIFO_STATUS2 < register + length:
            self._ovr_latched = False  # cleared by reading it
        return out

    def _is_fifo_mode_register(self, register: int) -> bool:
        return register == reg.DSOX_FIFO_CTRL4


def _tag(sensor: int, cnt: np.ndarray) -> np.ndarray:
    """TAG byte: sensor in bits 7:3, TAG_CNT in 2:1, bit 0 makes the parity even."""
    body = (sensor << 3) | (cnt.astype(np.uint8) << 1)
    ones = np.unpackbits(body.astype(np.uint8)[:, None], axis=1).sum(axis=1)
    return (body | (ones & 1)).astype(np.uint8)
