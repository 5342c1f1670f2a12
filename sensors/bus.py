"""The bus seam: drivers take any smbus2-compatible object.

On a Pi the default is ``smbus2.SMBus(1)``; tests pass a fake bus carrying
register-level fake chips (see :mod:`sensors.fakes`), the way gpiozero injects
pin factories.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from sensors.errors import SensorError


@runtime_checkable
class I2CBus(Protocol):
    """The subset of ``smbus2.SMBus`` the drivers use."""

    def read_byte_data(self, i2c_addr: int, register: int) -> int: ...

    def write_byte_data(self, i2c_addr: int, register: int, value: int) -> None: ...

    def read_i2c_block_data(self, i2c_addr: int, register: int, length: int) -> list[int]: ...

    def i2c_rdwr(self, *i2c_msgs: Any) -> None: ...


def open_bus(bus_number: int = 1) -> I2CBus:
    """Open ``/dev/i2c-<bus_number>`` with smbus2, or raise a one-line SensorError."""
    from smbus2 import SMBus

    try:
        return SMBus(bus_number)
    except (FileNotFoundError, PermissionError, OSError) as err:
        raise SensorError(
            f"cannot open I2C bus /dev/i2c-{bus_number}: {err.strerror or err}; "
            "enable I2C and check wiring (see deploy/WIRING.md)"
        ) from None


def read_block(bus: I2CBus, addr: int, register: int, length: int) -> bytes:
    """Burst-read ``length`` bytes from ``register``.

    SMBus block reads are limited to 32 bytes, so longer transfers use one
    combined ``i2c_rdwr`` write-register/read transaction.
    """
    if length <= 32:
        return bytes(bus.read_i2c_block_data(addr, register, length))
    from smbus2 import i2c_msg

    write = i2c_msg.write(addr, [register])
    read = i2c_msg.read(addr, length)
    bus.i2c_rdwr(write, read)
    return bytes(read)
