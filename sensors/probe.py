"""Which supported IMUs answer on an I2C bus, and at which address.

Only the four addresses our chips can take are tried: 0x68/0x69 (MPU-6050
family: MPU-6050/6500/9250/9255, AD0 low/high) and 0x6A/0x6B (LSM6DS3 or
LSM6DSOX, SA0 low/high). Each address gets one ID-register read (repeated
once on a glitch); nothing is written, so probing a running chip does not
disturb it.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from sensors import lsm6ds, mpu6050
from sensors.bus import I2CBus
from sensors.errors import SensorError
from sensors.retry import retry_io

MPU_ADDRESSES: tuple[int, ...] = tuple(mpu6050.ADDRESSES)
PROBE_ADDRESSES: tuple[int, ...] = MPU_ADDRESSES + lsm6ds.ADDRESSES
LSM_WHO_AM_I: dict[int, str] = {v.who_am_i: v.model for v in lsm6ds.VARIANTS.values()}
WIRING_HINT = "see deploy/WIRING.md"


@dataclass(frozen=True)
class Found:
    """Something answered at ``address``; ``model`` is None if it is not a supported IMU."""

    address: int
    model: str | None
    who_am_i: int

    @property
    def family(self) -> str:
        """Which driver handles it: ``"mpu6050"`` or ``"lsm6ds"``."""
        return "mpu6050" if self.address in MPU_ADDRESSES else "lsm6ds"

    def __str__(self) -> str:
        if self.model is None:
            return f"0x{self.address:02x}: unknown device (ID register reads 0x{self.who_am_i:02x})"
        return f"{self.model} at 0x{self.address:02x}"


def _id_register(address: int) -> tuple[int, dict[int, str]]:
    if address in MPU_ADDRESSES:
        return mpu6050.WHO_AM_I, mpu6050.WHO_AM_I_MODELS
    return lsm6ds.WHO_AM_I, LSM_WHO_AM_I


def scan(bus: I2CBus, addresses: tuple[int, ...] = PROBE_ADDRESSES) -> list[Found]:
    """Everything that answers at ``addresses``, supported or not, in address order."""
    found = []
    for address in addresses:
        register, known = _id_register(address)
        try:
            who = retry_io(lambda a=address, r=register: bus.read_byte_data(a, r), attempts=2,
                           retry_if=lambda e: e.errno != errno.ENXIO)
        except OSError:
            continue  # nothing there (or a chip that never answers)
        found.append(Found(address, known.get(who), who))
    return found


def probe(
    bus: I2CBus, bus_label: str = "the I2C bus", addresses: tuple[int, ...] = PROBE_ADDRESSES
) -> list[Found]:
    """Supported IMUs on ``bus``; a one-line SensorError if there is none."""
    return require_imus(scan(bus, addresses), bus_label, addresses)


def require_imus(
    found: list[Found], bus_label: str, addresses: tuple[int, ...] = PROBE_ADDRESSES
) -> list[Found]:
    """The supported IMUs among ``found``, or a one-line SensorError.

    The error names the bus, the addresses tried, anything unsupported that
    answered, and points to the wiring guide.
    """
    imus = [f for f in found if f.model is not None]
    if imus:
        return imus
    tried = ", ".join(f"0x{a:02x}" for a in addresses)
    others = "".join(f"; {f}" for f in found)
    raise SensorError(
        f"no supported IMU (MPU-6050 family, LSM6DS3, LSM6DSOX) answers on {bus_label} at {tried}"
        f"{others}; check power, SDA/SCL and the address pin ({WIRING_HINT})"
    )
