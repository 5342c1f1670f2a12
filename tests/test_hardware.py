"""Hardware tier: the real IMU(s) on a Pi's I2C bus.

Runs only when ``GLIDECOUNT_HW_BUS`` names the bus (``GLIDECOUNT_HW_BUS=1
pytest -m hardware``); ``GLIDECOUNT_HW_SHANK=0x6a`` also checks a sensor pair.
Keep the sensor still on a table while it runs. See deploy/WIRING.md.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from sensors.chunk import ImuChunk

HW_BUS = os.environ.get("GLIDECOUNT_HW_BUS")
HW_SHANK = os.environ.get("GLIDECOUNT_HW_SHANK")

pytestmark = [
    pytest.mark.hardware,
    pytest.mark.skipif(
        not HW_BUS,
        reason="no IMU hardware: set GLIDECOUNT_HW_BUS=<n> on a Pi with an IMU on /dev/i2c-<n>",
    ),
]

READ_S = 2.0


def _read_for(source: object, seconds: float) -> ImuChunk:
    chunks = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.05)
        chunks.append(source.read())  # type: ignore[attr-defined]
    return ImuChunk.concat(chunks)


def _check_stream(chunk: ImuChunk, rate_hz: float) -> None:
    expected = READ_S * rate_hz
    assert 0.85 * expected <= len(chunk) <= 1.1 * expected, f"{len(chunk)} samples"
    assert not chunk.gaps, f"gaps while reading every 50 ms: {chunk.gaps}"
    assert np.all(np.diff(chunk.t_s) > 0)
    # a still sensor senses 1 g in some direction and little rotation
    norm_g = np.linalg.norm(chunk.accel_g, axis=1)
    assert 0.8 < float(np.median(norm_g)) < 1.2, f"|a| median {np.median(norm_g):.3f} g"
    assert float(np.median(np.abs(chunk.gyro_dps))) < 10.0


def test_probe_finds_an_imu() -> None:
    from sensors.bus import open_bus
    from sensors.probe import probe

    assert HW_BUS is not None
    bus = open_bus(int(HW_BUS))
    try:
        found = probe(bus, f"/dev/i2c-{HW_BUS}")
    finally:
        bus.close()  # type: ignore[attr-defined]
    assert found and all(f.model for f in found)


def test_two_seconds_from_the_thigh_imu() -> None:
    from sensors.open import open_imu

    assert HW_BUS is not None
    source = open_imu(bus_number=int(HW_BUS), rate_hz=100)
    source.start()
    try:
        chunk = _read_for(source, READ_S)
    finally:
        source.close()
    _check_stream(chunk, source.rate_hz)


@pytest.mark.skipif(not HW_SHANK, reason="no shank sensor: set GLIDECOUNT_HW_SHANK=<address>")
def test_two_seconds_from_a_sensor_pair() -> None:
    from sensors.open import open_imu, parse_address

    assert HW_BUS is not None and HW_SHANK is not None
    source = open_imu(bus_number=int(HW_BUS), shank_address=parse_address(HW_SHANK))
    source.start()
    try:
        chunk = _read_for(source, READ_S + 0.5)
    finally:
        source.close()
    assert chunk.has_shank
    assert chunk.shank_accel_g is not None
    shank_norm = np.linalg.norm(chunk.shank_accel_g, axis=1)
    assert 0.8 < float(np.median(shank_norm)) < 1.2
    assert len(chunk) >= 0.8 * READ_S * source.rate_hz
