"""A register-level fake MPU-6050 / MPU-6500 / MPU-9250 / MPU-9255.

The fake samples a :data:`MotionSource` on its own (optionally mistuned)
oscillator, as the real chip does, and queues frames in a byte FIFO that
fills with time read from its clock (a :class:`FakeClock` in tests):

* WHO_AM_I per ``variant``; reset values of PWR_MGMT_1 per datasheet (the
  MPU-6050 powers up asleep); DEVICE_RESET restores them and empties the FIFO.
* Sample rate ``1 kHz / (1 + SMPLRT_DIV)`` with DLPF_CFG 1..6, 8 kHz base with
  DLPF_CFG 0 or 7, times ``1 + rate_error`` (oscillator error).
* Accel/gyro quantised to int16 at the ACCEL_CONFIG/GYRO_CONFIG full scale,
  clipped at the rails; FIFO frame layout follows FIFO_EN in register order.
* FIFO_COUNTH/L (H latches L), FIFO_R_W pops bytes (an empty FIFO repeats the
  last byte), USER_CTRL.FIFO_RESET acts only while FIFO_EN is 0.
* Overflow: FIFO_OFLOW_INT in INT_STATUS (clear on read); the oldest bytes are
  overwritten (MPU-6050; 6500 family with CONFIG.FIFO_MODE=0), so the FIFO
  loses frame alignment. With FIFO_MODE=1 (6500 family) frames that do not
  fit are not written.

Accounting: every sample produced after the FIFO was first enabled is exactly
one of delivered (all its bytes read by the host), still in the FIFO, or
dropped (``samples_dropped``: overwritten, cleared by a FIFO or device reset,
produced while the FIFO was disabled, or refused when full).

Simplification: the fake's sample clock starts when the FIFO is enabled after
a reset, wake or rate change (a real chip's phase is arbitrary, < 1 period).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from sensors.fakes.bus import FakeChip, MotionSource, still_motion
from sensors.mpu6050 import (
    ACCEL_CONFIG,
    ACCEL_RANGES_G,
    ACCEL_XOUT_H,
    CONFIG,
    CONFIG_FIFO_MODE,
    FIFO_BYTES,
    FIFO_COUNTH,
    FIFO_COUNTL,
    FIFO_EN,
    FIFO_EN_ACCEL,
    FIFO_EN_TEMP,
    FIFO_EN_XG,
    FIFO_EN_YG,
    FIFO_EN_ZG,
    FIFO_R_W,
    GYRO_CONFIG,
    GYRO_RANGES_DPS,
    INT_STATUS,
    INT_STATUS_DATA_RDY,
    INT_STATUS_FIFO_OFLOW,
    PWR_MGMT_1,
    PWR_MGMT_1_DEVICE_RESET,
    PWR_MGMT_1_SLEEP,
    SMPLRT_DIV,
    USER_CTRL,
    USER_CTRL_FIFO_EN,
    USER_CTRL_FIFO_RESET,
    WHO_AM_I,
    WHO_AM_I_MODELS,
)

VARIANTS: dict[str, int] = {
    "mpu6050": 0x68,
    "mpu6500": 0x70,
    "mpu9250": 0x71,
    "mpu9255": 0x73,
}
_DATA_REGS = range(ACCEL_XOUT_H, ACCEL_XOUT_H + 14)  # accel, temp, gyro
_TEMP_RAW_25C = -3920  # MPU-6050: T = raw / 340 + 36.53
_EPS = 1e-6  # in sample periods: FakeClock sums of floats must not lose a sample


class FakeMPU6050(FakeChip):
    """An MPU-6050 family chip on a :class:`sensors.fakes.bus.FakeBus`."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        variant: str = "mpu6050",
        motion: MotionSource = still_motion,
        rate_error: float = 0.0,
    ) -> None:
        super().__init__(clock)
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {sorted(VARIANTS)}, not {variant!r}")
        self.variant = variant
        self.who_am_i = VARIANTS[variant]
        self.model = WHO_AM_I_MODELS[self.who_am_i]
        self.fifo_capacity_bytes = FIFO_BYTES[self.model]
        self.motion = motion
        self.rate_error = rate_error
        # accounting (never reset, except by the test)
        self.samples_produced = 0
        self.samples_delivered = 0
        self.samples_dropped = 0
        self.samples_overwritten = 0  # part of samples_dropped
        self.overflows = 0
        self.fifo_resets = 0
        self.device_resets = 0
        self.fifo_bytes_read = 0
        self._fifo = bytearray()
        self._power_on_reset()

    # --- state ------------------------------------------------------------------
    def _power_on_reset(self) -> None:
        if self._fifo:
            self._discard(len(self._fifo))
        self.regs[:] = bytes(256)
        self.regs[WHO_AM_I] = self.who_am_i
        self.regs[PWR_MGMT_1] = PWR_MGMT_1_SLEEP if self.model == "MPU-6050" else 0x01
        self._fifo = bytearray()
        self._frame_len = 0  # bytes per frame of what is in the FIFO
        self._head_off = 0  # bytes of the first FIFO frame already gone
        self._head_tainted = False  # first FIFO frame already counted as dropped
        self._origin_s: float | None = None  # sample clock start
        self._n_since_origin = 0
        self._count_latch: int | None = None
        self._last_byte = 0

    @property
    def awake(self) -> bool:
        return not self.regs[PWR_MGMT_1] & PWR_MGMT_1_SLEEP

    @property
    def fifo_enabled(self) -> bool:
        return bool(self.regs[USER_CTRL] & USER_CTRL_FIFO_EN)

    @property
    def fifo_count(self) -> int:
        return len(self._fifo)

    @property
    def samples_in_fifo(self) -> int:
        """Frames with bytes still in the FIFO and not counted as dropped."""
        if not self._fifo:
            return 0
        spanned = math.ceil((self._head_off + len(self._fifo)) / self._frame_len)
        return spanned - (1 if self._head_tainted else 0)

    @property
    def sample_rate_hz(self) -> float:
        """The rate the chip actually samples at, oscillator error included."""
        base_hz = 8000.0 if self.regs[CONFIG] & 0x07 in (0, 7) else 1000.0
        return base_hz / (1 + self.regs[SMPLRT_DIV]) * (1.0 + self.rate_error)

    @property
    def accel_lsb_per_g(self) -> float:
        code = (self.regs[ACCEL_CONFIG] >> 3) & 3
        return next(lsb for c, lsb in ACCEL_RANGES_G.values() if c == code)

    @property
    def gyro_lsb_per_dps(self) -> float:
        code = (self.regs[GYRO_CONFIG] >> 3) & 3
        return next(lsb for c, lsb in GYRO_RANGES_DPS.values() if c == code)

    def _frame_layout(self) -> list[str]:
        sel = self.regs[FIFO_EN]
        cols: list[str] = []
        if sel & FIFO_EN_ACCEL:
            cols += ["ax", "ay", "az"]
        if sel & FIFO_EN_TEMP:
            cols += ["temp"]
        for bit, name in ((FIFO_EN_XG, "gx"), (FIFO_EN_YG, "gy"), (FIFO_EN_ZG, "gz")):
            if sel & bit:
                cols.append(name)
        return cols

    # --- sampling ---------------------------------------------------------------
    def _advance(self) -> None:
        """Produce every sample due by now and queue it (vectorised)."""
        if self._origin_s is None or not self.awake:
            return
        rate_hz = self.sample_rate_hz
        due = math.floor((self.clock() - self._origin_s) * rate_hz + _EPS)
        new = due - self._n_since_origin
        if new <= 0:
            return
        first_k = self._n_since_origin + 1
        self._n_since_origin = due
        self.samples_produced += new
        layout = self._frame_layout()
        frame_len = 2 * len(layout)
        if not self.fifo_enabled or frame_len == 0:
            self.samples_dropped += new
            self._sample(np.array([due], dtype=np.float64), rate_hz)
            return
        if self._fifo and frame_len != self._frame_len:
            raise RuntimeError("fake MPU: FIFO_EN changed with data in the FIFO; reset it first")
        self._frame_len = frame_len
        cap = self.fifo_capacity_bytes
        overwrite = self.model == "MPU-6050" or not self.regs[CONFIG] & CONFIG_FIFO_MODE
        if overwrite:
            keep = min(new, cap // frame_len + 1)  # older ones would be overwritten anyway
        else:
            keep = min(new, max(0, (cap - len(self._fifo)) // frame_len))
        skipped = new - keep
        overflowed = skipped > 0
        if skipped and overwrite:
            # written then overwritten: the whole FIFO and the skipped frames go
            self._discard(len(self._fifo), overwritten=True)
            self.samples_overwritten += skipped
        self.samples_dropped += skipped
        if keep:
            k0 = due - keep + 1 if overwrite else first_k  # newest kept / oldest accepted
            k = np.arange(k0, k0 + keep)
            self._fifo += self._sample(k.astype(np.float64), rate_hz, layout)
        if not overwrite or not keep:
            self._sample(np.array([due], dtype=np.float64), rate_hz)  # data registers
        excess = len(self._fifo) - cap
        if excess > 0:
            self._discard(excess, overwritten=True)
            overflowed = True
        if overflowed:
            self.overflows += 1
            self.regs[INT_STATUS] |= INT_STATUS_FIFO_OFLOW
        self.regs[INT_STATUS] |= INT_STATUS_DATA_RDY

    def _sample(self, k: np.ndarray, rate_hz: float, layout: list[str] | None = None) -> bytes:
        """Quantised frames for sample numbers ``k``; also latch the newest into ACCEL_XOUT_H.."""
        assert self._origin_s is not None
        t_s = self._origin_s + k / rate_hz
        accel_g, gyro_dps = self.motion(t_s)
        accel = np.clip(np.rint(np.asarray(accel_g) * self.accel_lsb_per_g), -32768, 32767)
        gyro = np.clip(np.rint(np.asarray(gyro_dps) * self.gyro_lsb_per_dps), -32768, 32767)
        temp = np.full((len(k), 1), _TEMP_RAW_25C)
        allcols = np.hstack([accel, temp, gyro]).astype(">i2")  # data-register order
        self.regs[ACCEL_XOUT_H : ACCEL_XOUT_H + 14] = allcols[-1].tobytes()
        if layout is None:
            return b""
        index = {"ax": 0, "ay": 1, "az": 2, "temp": 3, "gx": 4, "gy": 5, "gz": 6}
        return np.ascontiguousarray(allcols[:, [index[c] for c in layout]]).tobytes()

    def _discard(self, n_bytes: int, overwritten: bool = False) -> None:
        """Drop ``n_bytes`` from the head of the FIFO, counting every frame they touch."""
        if n_bytes <= 0:
            return
        end = self._head_off + n_bytes
        touched = math.ceil(end / self._frame_len) - (1 if self._head_tainted else 0)
        self.samples_dropped += touched
        if overwritten:
            self.samples_overwritten += touched
        del self._fifo[:n_bytes]
        self._head_off = end % self._frame_len
        self._head_tainted = self._head_off != 0

    def _pop(self, n_bytes: int) -> bytes:
        """The host reads FIFO_R_W: pop bytes, counting frames it received whole."""
        take = min(n_bytes, len(self._fifo))
        out = bytes(self._fifo[:take])
        if take:
            del self._fifo[:take]
            end = self._head_off + take
            done = end // self._frame_len
            self.samples_delivered += done - (1 if self._head_tainted and done else 0)
            self._head_tainted = self._head_tainted and done == 0
            self._head_off = end % self._frame_len
            self._last_byte = out[-1]
        self.fifo_bytes_read += n_bytes
        if take < n_bytes:  # empty FIFO: the last byte again
            out += bytes([self._last_byte]) * (n_bytes - take)
        return out

    def _reset_fifo(self) -> None:
        self._discard(len(self._fifo))
        self._head_off = 0
        self._head_tainted = False
        self.fifo_resets += 1

    # --- bus side ---------------------------------------------------------------
    def read(self, register: int, length: int) -> bytes:
        self._advance()
        if register == FIFO_R_W:  # no auto-increment: a burst drains the FIFO
            return self._pop(length)
        return super().read(register, length)

    def write(self, register: int, data: bytes) -> None:
        self._advance()
        super().write(register, data)

    def read_register(self, register: int) -> int:
        if register == INT_STATUS:
            value = self.regs[INT_STATUS]
            self.regs[INT_STATUS] = 0
            return value
        if register == FIFO_COUNTH:
            self._count_latch = len(self._fifo)
            return (self._count_latch >> 8) & 0xFF
        if register == FIFO_COUNTL:
            latched = len(self._fifo) if self._count_latch is None else self._count_latch
            self._count_latch = None
            return latched & 0xFF
        if register == FIFO_R_W:
            return self._pop(1)[0]
        return self.regs[register]

    def write_register(self, register: int, value: int) -> None:
        value &= 0xFF
        if register in (WHO_AM_I, INT_STATUS, FIFO_COUNTH, FIFO_COUNTL) or register in _DATA_REGS:
            return  # read-only
        if register == FIFO_R_W:
            return  # writing the FIFO is not modelled
        if register == PWR_MGMT_1:
            if value & PWR_MGMT_1_DEVICE_RESET:
                self.device_resets += 1
                self._power_on_reset()
                return
            self.regs[PWR_MGMT_1] = value
            if value & PWR_MGMT_1_SLEEP:
                self._origin_s = None
            return
        if register == USER_CTRL:
            was_enabled = self.fifo_enabled
            if value & USER_CTRL_FIFO_RESET and not value & USER_CTRL_FIFO_EN:
                self._reset_fifo()
            self.regs[USER_CTRL] = value & ~USER_CTRL_FIFO_RESET  # self-clearing
            if self.fifo_enabled and not was_enabled and self._origin_s is None and self.awake:
                self._origin_s = self.clock()
                self._n_since_origin = 0
            return
        if register == FIFO_EN and value != self.regs[FIFO_EN] and self._fifo:
            raise RuntimeError("fake MPU: FIFO_EN changed with data in the FIFO; reset it first")
        old = self.regs[register]
        self.regs[register] = value
        rate_changed = register == SMPLRT_DIV or (register == CONFIG and (old ^ value) & 0x07)
        if rate_changed and old != value:
            # the sample clock restarts at the new rate
            self._origin_s = self.clock() if self.fifo_enabled and self.awake else None
            self._n_since_origin = 0
