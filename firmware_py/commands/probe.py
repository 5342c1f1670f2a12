"""``glidecount probe``: which supported IMUs answer on the I2C bus, and where."""

from __future__ import annotations

import argparse

from sensors.bus import open_bus

HELP = "list the supported IMUs (MPU-6050, LSM6DS3, LSM6DSOX) found on the I2C bus"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bus", type=int, default=1, metavar="N", help="I2C bus number, /dev/i2c-N (default 1)"
    )


def run(args: argparse.Namespace) -> int:
    """Print ``<model> at 0x<addr>`` per IMU found; no IMU is a one-line SensorError."""
    from sensors.probe import require_imus, scan

    bus = open_bus(args.bus)
    label = f"/dev/i2c-{args.bus}"
    try:
        found = scan(bus)
    finally:
        close = getattr(bus, "close", None)
        if close is not None:
            close()
    for imu in require_imus(found, label):
        print(f"{imu.model} at 0x{imu.address:02x} on {label}")
    for other in (f for f in found if f.model is None):
        print(f"note: {other} on {label} is not a supported IMU")
    return 0
