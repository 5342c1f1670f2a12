"""Open the IMU(s) on the Pi's I2C bus: autodetect the chips, build the source."""

from __future__ import annotations

import time
from collections.abc import Callable

from sensors.base import ImuSource
from sensors.bus import I2CBus, open_bus
from sensors.errors import SensorError, UserError
from sensors.fifo_imu import FifoImu, ImuSettings
from sensors.pair import SensorPair
from sensors.probe import PROBE_ADDRESSES, WIRING_HINT, Found, require_imus, scan


def parse_address(text: str) -> int:
    """``0x6a`` or decimal ``106``: one of the addresses our IMUs use, else UserError."""
    try:
        address = int(text, 0)
    except ValueError:
        raise UserError(f"not an I2C address: {text!r} (use e.g. 0x68)") from None
    _check_address(address)
    return address


def _check_address(address: int) -> None:
    if address not in PROBE_ADDRESSES:
        allowed = ", ".join(f"0x{a:02x}" for a in PROBE_ADDRESSES)
        raise UserError(f"0x{address:02x} is not an address a supported IMU uses ({allowed})")


def make_driver(
    bus: I2CBus | int,
    found: Found,
    settings: ImuSettings,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> FifoImu:
    """The driver for a probed chip (not started)."""
    if found.family == "mpu6050":
        from sensors.mpu6050 import MPU6050

        return MPU6050(bus, found.address, settings, clock=clock, sleep=sleep)
    from sensors.lsm6ds import LSM6DS

    return LSM6DS(bus, found.address, settings, clock=clock, sleep=sleep)


def open_imu(
    bus_number: int = 1,
    thigh_address: int | None = None,
    shank_address: int | None = None,
    rate_hz: float = 100.0,
    bus: I2CBus | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ImuSource:
    """The thigh IMU, or a :class:`SensorPair` if ``shank_address`` is given; not started.

    Chips are autodetected by probing (see :mod:`sensors.probe`). The thigh is
    the first IMU found (lowest address) unless ``thigh_address`` is given. A
    shank sensor is used only when asked for by address, so a stray chip on
    the bus never changes which columns a recording has. ``bus`` injects an
    already open bus (tests pass a FakeBus); otherwise ``/dev/i2c-<bus_number>``
    is opened, and closed again when the source is closed.
    """
    for address in (thigh_address, shank_address):
        if address is not None:
            _check_address(address)
    if shank_address is not None and shank_address == thigh_address:
        raise UserError(f"thigh and shank cannot both be at 0x{shank_address:02x}")
    label = f"/dev/i2c-{bus_number}" if bus is None else getattr(bus, "label", "the I2C bus")

    probe_bus = open_bus(bus_number) if bus is None else bus
    try:
        imus = require_imus(scan(probe_bus), label)
    finally:
        if bus is None:
            _close(probe_bus)
    by_address = {f.address: f for f in imus}

    def pick(address: int | None, role: str) -> Found:
        if address is None:
            return next(f for f in imus if f.address != shank_address)
        if address not in by_address:
            seen = ", ".join(str(f) for f in imus)
            raise SensorError(
                f"no supported IMU for the {role} at 0x{address:02x} on {label} "
                f"(found: {seen}); check its address pin ({WIRING_HINT})"
            )
        return by_address[address]

    if thigh_address is None and shank_address is not None and len(imus) < 2:
        raise SensorError(
            f"a shank sensor at 0x{shank_address:02x} needs a second IMU for the thigh, "
            f"but only {imus[0]} answers on {label} ({WIRING_HINT})"
        )
    thigh_found = pick(thigh_address, "thigh")
    shank_found = pick(shank_address, "shank") if shank_address is not None else None
    try:
        settings = ImuSettings(rate_hz=rate_hz)
    except ValueError as err:
        raise UserError(str(err)) from None
    # the thigh driver opens (and later closes) the real bus; the shank shares it
    try:
        thigh = make_driver(bus_number if bus is None else bus, thigh_found, settings, clock,
                            sleep)
    except ValueError as err:  # a rate or range the chip cannot do
        raise UserError(f"{thigh_found}: {err}") from None
    if shank_found is None:
        return thigh
    try:
        shank = make_driver(thigh.bus, shank_found, settings, clock, sleep)
    except ValueError as err:
        thigh.close()
        raise UserError(f"{shank_found}: {err}") from None
    return SensorPair(thigh, shank)


def _close(bus: object) -> None:
    close = getattr(bus, "close", None)
    if close is not None:
        close()
