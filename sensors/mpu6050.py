"""MPU-6050 family driver: MPU-6050, MPU-6500, MPU-9250 and MPU-9255 over I2C.

All four share the register layout used here (InvenSense RM-MPU-6000A-00
rev 4.2 and the MPU-6500/MPU-9250 register maps) and are told apart by
WHO_AM_I. The chip samples accel+gyro into its FIFO at
``1 kHz / (1 + SMPLRT_DIV)`` (DLPF on); :class:`MPU6050` drains whole 12-byte
frames (big-endian int16: ax ay az gx gy gz) in one burst and leaves timing,
overflow and error recovery to :class:`sensors.fifo_imu.FifoImu`.

Example::

    from sensors.mpu6050 import MPU6050
    with MPU6050(bus=1, address=0x68) as imu:
        print(imu.model, imu.rate_hz)
        chunk = imu.read()
"""

from __future__ import annotations

import errno
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sensors.bus import I2CBus, read_block
from sensors.errors import SensorError
from sensors.fifo_imu import FifoImu, ImuSettings

# --- register map (names as in the datasheet) ------------------------------------
SMPLRT_DIV = 0x19
CONFIG = 0x1A  # [6] FIFO_MODE (6500 family), [5:3] EXT_SYNC_SET, [2:0] DLPF_CFG
GYRO_CONFIG = 0x1B  # [4:3] FS_SEL
ACCEL_CONFIG = 0x1C  # [4:3] AFS_SEL
ACCEL_CONFIG2 = 0x1D  # MPU-6500 family only: [3] ACCEL_FCHOICE_B, [2:0] A_DLPF_CFG
FIFO_EN = 0x23
INT_STATUS = 0x3A
ACCEL_XOUT_H = 0x3B
TEMP_OUT_H = 0x41
GYRO_XOUT_H = 0x43
SIGNAL_PATH_RESET = 0x68
USER_CTRL = 0x6A
PWR_MGMT_1 = 0x6B
PWR_MGMT_2 = 0x6C
FIFO_COUNTH = 0x72
FIFO_COUNTL = 0x73
FIFO_R_W = 0x74
WHO_AM_I = 0x75

# --- bits ---------------------------------------------------------------------
CONFIG_FIFO_MODE = 1 << 6  # 6500 family: 1 = stop writing when full (we keep 0: overwrite)
FIFO_EN_TEMP = 1 << 7
FIFO_EN_XG = 1 << 6
FIFO_EN_YG = 1 << 5
FIFO_EN_ZG = 1 << 4
FIFO_EN_ACCEL = 1 << 3
INT_STATUS_FIFO_OFLOW = 1 << 4
INT_STATUS_DATA_RDY = 1 << 0
USER_CTRL_FIFO_EN = 1 << 6
USER_CTRL_FIFO_RESET = 1 << 2  # only acts while USER_CTRL.FIFO_EN is 0; self-clearing
PWR_MGMT_1_DEVICE_RESET = 1 << 7
PWR_MGMT_1_SLEEP = 1 << 6
PWR_MGMT_1_CLKSEL_PLL = 0x01  # PLL with X-gyro reference: the stable clock source
FS_SEL_SHIFT = 3

ADDRESSES = (0x68, 0x69)  # AD0 low / high
WHO_AM_I_MODELS: dict[int, str] = {
    0x68: "MPU-6050",
    0x70: "MPU-6500",
    0x71: "MPU-9250",
    0x73: "MPU-9255",
}
FIFO_BYTES: dict[str, int] = {
    "MPU-6050": 1024,
    "MPU-6500": 512,
    "MPU-9250": 512,
    "MPU-9255": 512,
}
# Full-scale range -> (register code, LSB per unit): datasheet sensitivity tables.
ACCEL_RANGES_G: dict[int, tuple[int, float]] = {
    2: (0, 16384.0),
    4: (1, 8192.0),
    8: (2, 4096.0),
    16: (3, 2048.0),
}
GYRO_RANGES_DPS: dict[int, tuple[int, float]] = {
    250: (0, 131.0),
    500: (1, 65.5),
    1000: (2, 32.8),
    2000: (3, 16.4),
}
# DLPF_CFG 1..6 keep the 1 kHz gyro output rate that SMPLRT_DIV divides
# (0 and 7 switch to 8 kHz). Gyro bandwidth in Hz, per family.
DLPF_GYRO_BW_HZ: dict[str, dict[int, float]] = {
    "MPU-6050": {1: 188.0, 2: 98.0, 3: 42.0, 4: 20.0, 5: 10.0, 6: 5.0},
    "MPU-6500": {1: 184.0, 2: 92.0, 3: 41.0, 4: 20.0, 5: 10.0, 6: 5.0},
}
GYRO_OUTPUT_RATE_HZ = 1000.0  # with DLPF_CFG 1..6
FRAME_BYTES = 12  # accel xyz + gyro xyz, int16 big-endian
RESET_WAIT_S = 0.1  # after DEVICE_RESET (datasheet: 100 ms)
WAKE_WAIT_S = 0.01  # PLL settle after leaving sleep

_FRAME_DTYPE = np.dtype(">i2")


def _family(model: str) -> str:
    return "MPU-6050" if model == "MPU-6050" else "MPU-6500"


@dataclass(frozen=True)
class MpuRegisters:
    """The register values a set of :class:`ImuSettings` maps to (and what they yield)."""

    smplrt_div: int
    dlpf_cfg: int
    gyro_fs_sel: int
    accel_afs_sel: int
    rate_hz: float
    accel_lsb_per_g: float
    gyro_lsb_per_dps: float
    dlpf_bandwidth_hz: float


def registers_for(settings: ImuSettings, model: str = "MPU-6050") -> MpuRegisters:
    """Translate settings to register values, or raise ValueError naming what is unsupported."""
    if settings.accel_range_g not in ACCEL_RANGES_G:
        raise ValueError(
            f"accel_range_g={settings.accel_range_g} is not one of {sorted(ACCEL_RANGES_G)}"
        )
    if settings.gyro_range_dps not in GYRO_RANGES_DPS:
        raise ValueError(
            f"gyro_range_dps={settings.gyro_range_dps} is not one of {sorted(GYRO_RANGES_DPS)}"
        )
    lo_hz, hi_hz = GYRO_OUTPUT_RATE_HZ / 256, GYRO_OUTPUT_RATE_HZ
    if not lo_hz <= settings.rate_hz <= hi_hz:
        raise ValueError(f"rate_hz={settings.rate_hz:g} is outside {lo_hz:g}..{hi_hz:g} Hz")
    div = min(255, max(0, round(GYRO_OUTPUT_RATE_HZ / settings.rate_hz - 1)))
    rate_hz = GYRO_OUTPUT_RATE_HZ / (1 + div)
    table = DLPF_GYRO_BW_HZ[_family(model)]
    if settings.dlpf_hz is None:
        # widest bandwidth that does not alias at this rate (5 Hz if none is)
        below = [cfg for cfg, bw in table.items() if bw <= rate_hz / 2]
        cfg = min(below) if below else max(table)
    else:
        want = settings.dlpf_hz
        cfg = min(table, key=lambda c: abs(np.log(table[c] / want)))
    a_code, a_lsb = ACCEL_RANGES_G[settings.accel_range_g]
    g_code, g_lsb = GYRO_RANGES_DPS[settings.gyro_range_dps]
    return MpuRegisters(div, cfg, g_code, a_code, rate_hz, a_lsb, g_lsb, table[cfg])


class MPU6050(FifoImu):
    """An MPU-6050/6500/9250/9255 on I2C, read through its FIFO.

    ``MPU6050(bus, address=0x68, settings=ImuSettings(...), clock=...)``;
    after :meth:`start`, ``.model`` says which chip answered ("MPU-9250"...).
    """

    chip_name = "MPU-6050"
    address_hint = "the address (0x68, or 0x69 with AD0 high)"
    frame_bytes = FRAME_BYTES
    fifo_capacity_frames = FIFO_BYTES["MPU-6050"] // FRAME_BYTES

    def __init__(
        self,
        bus: I2CBus | int = 1,
        address: int = 0x68,
        settings: ImuSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(bus, address, settings, clock, sleep)
        if address not in ADDRESSES:
            raise ValueError(f"an MPU-6050 answers at 0x68 or 0x69, not 0x{address:02x}")
        self.registers = registers_for(self.settings)  # validate settings early
        self._accel_scale = 1.0 / self.registers.accel_lsb_per_g
        self._gyro_scale = 1.0 / self.registers.gyro_lsb_per_dps
        self._fifo_bytes = FIFO_BYTES["MPU-6050"]
        self._overflow_seen = False

    # --- FifoImu hooks ----------------------------------------------------------------
    def _identify(self) -> str:
        who = self._read_u8(WHO_AM_I)
        model = WHO_AM_I_MODELS.get(who)
        if model is None:
            known = ", ".join(f"0x{k:02x} {v}" for k, v in WHO_AM_I_MODELS.items())
            raise SensorError(
                f"{self.chip_name} at 0x{self.address:02x} on {self.bus_label}: "
                f"WHO_AM_I reads 0x{who:02x}, not an MPU-6050 family chip ({known})"
            )
        return model

    def _configure(self) -> float:
        """Reset, wake, set rate/filter/ranges, verify them, enable the accel+gyro FIFO."""
        model = self.model if self.model in FIFO_BYTES else "MPU-6050"
        regs = registers_for(self.settings, model)
        self._write_u8(PWR_MGMT_1, PWR_MGMT_1_DEVICE_RESET)
        self.sleep(RESET_WAIT_S)
        self._write_u8(PWR_MGMT_1, PWR_MGMT_1_CLKSEL_PLL)  # wake (SLEEP=0), PLL clock
        self.sleep(WAKE_WAIT_S)
        self._write_u8(USER_CTRL, 0)
        self._write_u8(FIFO_EN, 0)
        wanted = bytes(
            [
                regs.smplrt_div,
                regs.dlpf_cfg,  # FIFO_MODE=0: overwrite oldest, as on the MPU-6050
                regs.gyro_fs_sel << FS_SEL_SHIFT,
                regs.accel_afs_sel << FS_SEL_SHIFT,
            ]
        )
        for offset, value in enumerate(wanted):
            self._write_u8(SMPLRT_DIV + offset, value)
        if _family(model) == "MPU-6500":
            self._write_u8(ACCEL_CONFIG2, regs.dlpf_cfg)  # accel DLPF ~ gyro DLPF
        got = read_block(self.bus, self.address, SMPLRT_DIV, len(wanted))
        if got != wanted:
            raise OSError(
                errno.EIO, f"configuration did not stick (wrote {wanted.hex()}, read {got.hex()})"
            )
        self._write_u8(FIFO_EN, FIFO_EN_ACCEL | FIFO_EN_XG | FIFO_EN_YG | FIFO_EN_ZG)
        self._write_u8(USER_CTRL, USER_CTRL_FIFO_EN)
        self.registers = regs
        self._accel_scale = 1.0 / regs.accel_lsb_per_g
        self._gyro_scale = 1.0 / regs.gyro_lsb_per_dps
        self._fifo_bytes = FIFO_BYTES[model]
        self.fifo_capacity_frames = self._fifo_bytes // FRAME_BYTES
        return regs.rate_hz

    def _fifo_status(self) -> tuple[int, bool]:
        """Whole frames waiting; overflowed if FIFO_OFLOW_INT is set or frames are misaligned.

        INT_STATUS clears on read, so a seen overflow is remembered until this
        method returns (a retry after a failed FIFO_COUNT read must not lose it).
        After an overwrite the count is not a multiple of 12 (1024 and 512 are
        not), which also catches an overflow that happens between the two reads.
        """
        if self._read_u8(INT_STATUS) & INT_STATUS_FIFO_OFLOW:
            self._overflow_seen = True
        hi, lo = read_block(self.bus, self.address, FIFO_COUNTH, 2)
        count = ((hi & 0x1F) << 8) | lo
        overflowed = self._overflow_seen or count % FRAME_BYTES != 0 or count > self._fifo_bytes
        self._overflow_seen = False
        return count // FRAME_BYTES, overflowed

    def _read_fifo(self, n_frames: int) -> bytes:
        return read_block(self.bus, self.address, FIFO_R_W, n_frames * FRAME_BYTES)

    def _decode(self, raw: bytes) -> tuple[np.ndarray, np.ndarray]:
        words = np.frombuffer(raw, dtype=_FRAME_DTYPE).reshape(-1, 6)
        return words[:, 0:3] * self._accel_scale, words[:, 3:6] * self._gyro_scale

    def _reset_fifo(self) -> None:
        """Stop, empty and restart the FIFO; clear a pending overflow flag."""
        self._write_u8(USER_CTRL, USER_CTRL_FIFO_RESET)  # FIFO_EN=0: reset takes effect
        self._read_u8(INT_STATUS)  # clear-on-read: drop the stale FIFO_OFLOW_INT
        self._overflow_seen = False
        self._write_u8(USER_CTRL, USER_CTRL_FIFO_EN)

    def _shutdown(self) -> None:
        self._write_u8(USER_CTRL, 0)
        self._write_u8(PWR_MGMT_1, PWR_MGMT_1_SLEEP)
