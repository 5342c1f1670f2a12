"""ST LSM6DS3 and LSM6DSOX accelerometer+gyroscope over I2C, FIFO-driven.

Both answer at 0x6A (SA0/SDO low) or 0x6B (SA0 high) and share the control
registers (WHO_AM_I 0x0F, CTRL1_XL 0x10, CTRL2_G 0x11, CTRL3_C 0x12) but not
the FIFO:

* LSM6DS3 (WHO_AM_I 0x69): FIFO_CTRL1..5 at 0x06-0x0A, FIFO_STATUS1..4 at
  0x3A-0x3D, data at FIFO_DATA_OUT_L/H 0x3E/0x3F. 8 KB of untagged 16-bit
  words in a fixed pattern, gyro x/y/z then accel x/y/z per sample;
  DIFF_FIFO counts words and FIFO_PATTERN says which word comes next.
* LSM6DSOX (WHO_AM_I 0x6C; the LSM6DSO shares ID and map): FIFO_CTRL1..4 at
  0x07-0x0A, FIFO_STATUS1/2 at 0x3A/0x3B, tagged words read from
  FIFO_DATA_OUT_TAG 0x78: a tag byte (sensor in bits 7:3, 0x01 gyro, 0x02
  accel; TAG_CNT in bits 2:1 names the time slot) then x/y/z int16. 3 KB
  of data; DIFF_FIFO counts tagged words.

A burst read from the FIFO output register rolls back to its start, so a
whole block of samples comes out in one I2C transaction.

Both run in continuous mode with accel and gyro at the same ODR (26, 52, 104
or 208 Hz; the request is rounded to the nearest). On overrun the chip
overwrites its oldest data; the driver then resets the FIFO and reports the
missed slots as a Gap (the accounting lives in :class:`FifoImu`). The
digital filters are left at their defaults (accel LPF1 at ODR/2), so
``ImuSettings.dlpf_hz`` is not used by this driver.
"""

from __future__ import annotations

import errno
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sensors.bus import I2CBus, read_block
from sensors.errors import SensorError
from sensors.fifo_imu import FifoImu, ImuSettings

ADDRESSES: tuple[int, ...] = (0x6A, 0x6B)

# --- registers both variants share -------------------------------------------
WHO_AM_I = 0x0F
CTRL1_XL = 0x10  # ODR_XL[7:4] FS_XL[3:2]
CTRL2_G = 0x11  # ODR_G[7:4] FS_G[3:2] FS_125[1]
CTRL3_C = 0x12
CTRL3_C_BOOT = 0x80
CTRL3_C_BDU = 0x40  # block data update: low and high byte from the same sample
CTRL3_C_IF_INC = 0x04  # register address auto-increment in bursts
CTRL3_C_SW_RESET = 0x01  # self-clearing
CTRL2_G_FS_125 = 0x02
CTRL9_XL = 0x18
FIFO_STATUS1 = 0x3A  # DIFF_FIFO[7:0]
FIFO_STATUS2 = 0x3B  # flags and DIFF_FIFO high bits

WHO_AM_I_LSM6DS3 = 0x69
WHO_AM_I_LSM6DSOX = 0x6C

# FIFO_MODE[2:0]: the same codes on both variants
FIFO_MODE_BYPASS = 0b000  # FIFO off and emptied
FIFO_MODE_CONTINUOUS = 0b110  # newest overwrite oldest when full

# --- LSM6DS3 FIFO ----------------------------------------------------------
DS3_FIFO_CTRL1 = 0x06  # FTH[7:0] watermark (unused)
DS3_FIFO_CTRL2 = 0x07
DS3_FIFO_CTRL3 = 0x08  # DEC_FIFO_GYRO[5:3] DEC_FIFO_XL[2:0]
DS3_FIFO_CTRL4 = 0x09  # third/fourth data sets (unused)
DS3_FIFO_CTRL5 = 0x0A  # ODR_FIFO[6:3] FIFO_MODE[2:0]
DS3_FIFO_CTRL3_NO_DECIMATION = (0b001 << 3) | 0b001  # gyro and accel, every sample
DS3_FIFO_STATUS3 = 0x3C  # FIFO_PATTERN[7:0]
DS3_FIFO_STATUS4 = 0x3D  # FIFO_PATTERN[9:8]
DS3_FIFO_DATA_OUT_L = 0x3E
DS3_FIFO_DATA_OUT_H = 0x3F
DS3_FIFO_STATUS2_WTM = 0x80
DS3_FIFO_STATUS2_OVER_RUN = 0x40
DS3_FIFO_STATUS2_FULL = 0x20
DS3_FIFO_STATUS2_EMPTY = 0x10
DS3_FIFO_STATUS2_DIFF_H_MASK = 0x0F  # DIFF_FIFO[11:8], in 16-bit words
DS3_WORDS_PER_SAMPLE = 6  # Gx Gy Gz Ax Ay Az

# --- LSM6DSOX FIFO -----------------------------------------------------------
DSOX_FIFO_CTRL1 = 0x07  # WTM[7:0] (unused)
DSOX_FIFO_CTRL2 = 0x08
DSOX_FIFO_CTRL3 = 0x09  # BDR_GY[7:4] BDR_XL[3:0]
DSOX_FIFO_CTRL4 = 0x0A  # ODR_TS_BATCH[7:6] ODR_T_BATCH[5:4] FIFO_MODE[2:0]
DSOX_FIFO_DATA_OUT_TAG = 0x78  # then X_L 0x79 .. Z_H 0x7E
DSOX_FIFO_STATUS2_WTM_IA = 0x80
DSOX_FIFO_STATUS2_OVR_IA = 0x40
DSOX_FIFO_STATUS2_FULL_IA = 0x20
DSOX_FIFO_STATUS2_COUNTER_BDR_IA = 0x10
DSOX_FIFO_STATUS2_OVR_LATCHED = 0x08
DSOX_FIFO_STATUS2_DIFF_H_MASK = 0x03  # DIFF_FIFO[9:8], in tagged words
DSOX_CTRL9_XL_I3C_DISABLE = 0x02
DSOX_TAG_GYRO_NC = 0x01
DSOX_TAG_XL_NC = 0x02
DSOX_WORD_BYTES = 7

# --- rates and ranges (same codes on both) -----------------------------------
# ODR_XL / ODR_G / DS3 ODR_FIFO / DSOX BDR codes
ODR_CODE_TO_HZ: dict[int, float] = {0b0010: 26.0, 0b0011: 52.0, 0b0100: 104.0, 0b0101: 208.0}
ODR_HZ_TO_CODE: dict[float, int] = {hz: code for code, hz in ODR_CODE_TO_HZ.items()}
FS_XL_CODE_TO_G: dict[int, int] = {0b00: 2, 0b01: 16, 0b10: 4, 0b11: 8}
FS_XL_G_TO_CODE: dict[int, int] = {g: code for code, g in FS_XL_CODE_TO_G.items()}
FS_G_CODE_TO_DPS: dict[int, int] = {0b00: 250, 0b01: 500, 0b10: 1000, 0b11: 2000}
FS_G_DPS_TO_CODE: dict[int, int] = {dps: code for code, dps in FS_G_CODE_TO_DPS.items()}
# datasheet sensitivities: mg/LSB and mdps/LSB, here in g and dps per LSB
ACCEL_SENSITIVITY_G: dict[int, float] = {2: 0.061e-3, 4: 0.122e-3, 8: 0.244e-3, 16: 0.488e-3}
GYRO_SENSITIVITY_DPS: dict[int, float] = {
    125: 4.375e-3, 250: 8.75e-3, 500: 17.5e-3, 1000: 35e-3, 2000: 70e-3,
}


@dataclass(frozen=True)
class Variant:
    """What differs between the two chips, as the driver needs it."""

    model: str
    who_am_i: int
    fifo_bytes: int  # sensor-data capacity of the FIFO
    frame_bytes: int  # bytes one gyro+accel sample takes when read out
    fifo_mode_register: int
    data_out_register: int

    @property
    def capacity_frames(self) -> int:
        return self.fifo_bytes // 12  # 12 data bytes per gyro+accel sample


VARIANT_DS3 = Variant("LSM6DS3", WHO_AM_I_LSM6DS3, 8192, 12, DS3_FIFO_CTRL5, DS3_FIFO_DATA_OUT_L)
VARIANT_DSOX = Variant(
    "LSM6DSOX", WHO_AM_I_LSM6DSOX, 3072, 2 * DSOX_WORD_BYTES, DSOX_FIFO_CTRL4,
    DSOX_FIFO_DATA_OUT_TAG,
)
VARIANTS: dict[int, Variant] = {v.who_am_i: v for v in (VARIANT_DS3, VARIANT_DSOX)}


def nearest_odr_hz(rate_hz: float) -> float:
    """The supported ODR nearest ``rate_hz`` on a log scale (100 -> 104)."""
    return min(ODR_CODE_TO_HZ.values(), key=lambda hz: abs(math.log(hz / rate_hz)))


def _range_at_least(wanted: float, available: list[int]) -> int:
    """Smallest full scale that covers ``wanted``, else the largest."""
    return next((r for r in sorted(available) if r >= wanted), max(available))


def decode_ds3(raw: bytes, g_per_lsb: float, dps_per_lsb: float) -> tuple[np.ndarray, np.ndarray]:
    """LSM6DS3 FIFO bytes, whole samples of Gx Gy Gz Ax Ay Az (<i2), to g and dps."""
    words = np.frombuffer(raw, dtype="<i2").reshape(-1, DS3_WORDS_PER_SAMPLE)
    return words[:, 3:6] * g_per_lsb, words[:, 0:3] * dps_per_lsb


def decode_dsox(raw: bytes, g_per_lsb: float, dps_per_lsb: float) -> tuple[np.ndarray, np.ndarray]:
    """LSM6DSOX FIFO bytes, pairs of tagged words, to g and dps.

    Each pair must hold one gyro and one accel word of the same time slot
    (same TAG_CNT), in either order; anything else means the FIFO lost
    alignment and raises ``OSError(EIO)`` so the caller restarts the stream.
    """
    words = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 2, DSOX_WORD_BYTES)
    tags = words[:, :, 0]
    sensor = tags >> 3
    slot = (tags >> 1) & 0x3
    gyro_first = (sensor[:, 0] == DSOX_TAG_GYRO_NC) & (sensor[:, 1] == DSOX_TAG_XL_NC)
    accel_first = (sensor[:, 0] == DSOX_TAG_XL_NC) & (sensor[:, 1] == DSOX_TAG_GYRO_NC)
    ok = (gyro_first | accel_first) & (slot[:, 0] == slot[:, 1])
    if not ok.all():
        bad = int(np.argmin(ok))
        raise OSError(
            errno.EIO,
            f"LSM6DSOX FIFO out of step at sample {bad} (tags 0x{tags[bad, 0]:02x} "
            f"0x{tags[bad, 1]:02x})",
        )
    values = np.ascontiguousarray(words[:, :, 1:]).view("<i2")  # (N, 2, 3)
    gyro_idx = np.where(gyro_first, 0, 1)
    rows = np.arange(len(words))
    gyro = values[rows, gyro_idx]
    accel = values[rows, 1 - gyro_idx]
    return accel * g_per_lsb, gyro * dps_per_lsb


class LSM6DS(FifoImu):
    """LSM6DS3 or LSM6DSOX (told apart by WHO_AM_I) as an :class:`ImuSource`.

    ``model`` is ``"LSM6DS3"`` or ``"LSM6DSOX"`` after :meth:`start`.
    ``expect`` restricts it to one of them (a different chip is a SensorError).
    """

    chip_name = "LSM6DS"
    address_hint = "the address (0x6a, or 0x6b with SA0 high; see deploy/WIRING.md)"
    frame_bytes = VARIANT_DS3.frame_bytes  # set per variant in _identify
    fifo_capacity_frames = VARIANT_DS3.capacity_frames
    reset_timeout_s = 0.05

    def __init__(
        self,
        bus: I2CBus | int = 1,
        address: int = 0x6A,
        settings: ImuSettings | None = None,
        expect: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(bus, address, settings, clock=clock, sleep=sleep)
        if expect is not None and expect not in {v.model for v in VARIANTS.values()}:
            raise ValueError(f"unknown LSM6DS model {expect!r}")
        self.expect = expect
        self.variant: Variant | None = None
        self.accel_range_g = _range_at_least(self.settings.accel_range_g, list(FS_XL_G_TO_CODE))
        self.gyro_range_dps = _range_at_least(
            self.settings.gyro_range_dps, list(GYRO_SENSITIVITY_DPS)
        )
        self.g_per_lsb = ACCEL_SENSITIVITY_G[self.accel_range_g]
        self.dps_per_lsb = GYRO_SENSITIVITY_DPS[self.gyro_range_dps]

    # --- FifoImu hooks ---------------------------------------------------------
    def _identify(self) -> str:
        who = self._read_u8(WHO_AM_I)
        variant = VARIANTS.get(who)
        if variant is None:
            raise SensorError(
                f"{self.where}: WHO_AM_I is 0x{who:02x}, not an LSM6DS3 (0x69) or "
                "LSM6DSOX (0x6c); wrong chip at this address?"
            )
        if self.expect is not None and variant.model != self.expect:
            raise SensorError(f"{self.where}: found {variant.model}, expected {self.expect}")
        self.variant = variant
        self.frame_bytes = variant.frame_bytes
        self.fifo_capacity_frames = variant.capacity_frames
        return variant.model

    def _configure(self) -> float:
        v = self._need_variant()
        self._write_u8(CTRL3_C, CTRL3_C_SW_RESET)
        waited_s = 0.0
        while self._read_u8(CTRL3_C) & CTRL3_C_SW_RESET:
            if waited_s >= self.reset_timeout_s:
                raise OSError(errno.ETIMEDOUT, f"{v.model} software reset did not finish")
            self.sleep(0.001)
            waited_s += 0.001
        self._write_u8(CTRL3_C, CTRL3_C_BDU | CTRL3_C_IF_INC)
        odr_hz = nearest_odr_hz(self.settings.rate_hz)
        odr = ODR_HZ_TO_CODE[odr_hz]
        self._write_u8(CTRL1_XL, odr << 4 | FS_XL_G_TO_CODE[self.accel_range_g] << 2)
        if self.gyro_range_dps == 125:
            self._write_u8(CTRL2_G, odr << 4 | CTRL2_G_FS_125)
        else:
            self._write_u8(CTRL2_G, odr << 4 | FS_G_DPS_TO_CODE[self.gyro_range_dps] << 2)
        if v is VARIANT_DS3:
            self._write_u8(DS3_FIFO_CTRL3, DS3_FIFO_CTRL3_NO_DECIMATION)
            self._write_u8(DS3_FIFO_CTRL4, 0)
            self._write_u8(DS3_FIFO_CTRL5, odr << 3 | FIFO_MODE_CONTINUOUS)
        else:
            self._write_u8(CTRL9_XL, self._read_u8(CTRL9_XL) | DSOX_CTRL9_XL_I3C_DISABLE)
            self._write_u8(DSOX_FIFO_CTRL3, odr << 4 | odr)  # gyro and accel batched alike
            self._write_u8(DSOX_FIFO_CTRL4, FIFO_MODE_CONTINUOUS)  # no temperature/timestamp
        return odr_hz

    def _fifo_status(self) -> tuple[int, bool]:
        v = self._need_variant()
        if v is VARIANT_DS3:
            s1, s2, p_lo, p_hi = read_block(self.bus, self.address, FIFO_STATUS1, 4)
            words = s1 | (s2 & DS3_FIFO_STATUS2_DIFF_H_MASK) << 8
            pattern = p_lo | (p_hi & 0x03) << 8
            # a pattern other than 0 means the next word is not a gyro x:
            # the FIFO lost its sample alignment, which only a reset cures
            lost = bool(s2 & DS3_FIFO_STATUS2_OVER_RUN) or (pattern != 0 and words > 0)
            return words // DS3_WORDS_PER_SAMPLE, lost
        s1, s2 = read_block(self.bus, self.address, FIFO_STATUS1, 2)
        words = s1 | (s2 & DSOX_FIFO_STATUS2_DIFF_H_MASK) << 8
        lost = bool(s2 & (DSOX_FIFO_STATUS2_OVR_IA | DSOX_FIFO_STATUS2_OVR_LATCHED))
        return words // 2, lost

    def _read_fifo(self, n_frames: int) -> bytes:
        v = self._need_variant()
        return read_block(self.bus, self.address, v.data_out_register, n_frames * v.frame_bytes)

    def _decode(self, raw: bytes) -> tuple[np.ndarray, np.ndarray]:
        if self._need_variant() is VARIANT_DS3:
            return decode_ds3(raw, self.g_per_lsb, self.dps_per_lsb)
        return decode_dsox(raw, self.g_per_lsb, self.dps_per_lsb)

    def _reset_fifo(self) -> None:
        """Bypass (empties the FIFO, clears FIFO_OVR) then continuous again."""
        v = self._need_variant()
        mode_value = self._read_u8(v.fifo_mode_register)
        self._write_u8(v.fifo_mode_register, mode_value & ~0x07 | FIFO_MODE_BYPASS)
        self._write_u8(v.fifo_mode_register, mode_value & ~0x07 | FIFO_MODE_CONTINUOUS)
        if v is VARIANT_DSOX:
            self._read_u8(FIFO_STATUS2)  # clears OVER_RUN_LATCHED from before the reset

    def _shutdown(self) -> None:
        """Power-down: ODR 0 for both sensors."""
        self._write_u8(CTRL1_XL, 0)
        self._write_u8(CTRL2_G, 0)

    def _need_variant(self) -> Variant:
        if self.variant is None:
            raise RuntimeError("LSM6DS used before _identify()")
        return self.variant
