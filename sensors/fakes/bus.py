"""A fake I2C bus and the base of the fake chips that sit on it."""

from __future__ import annotations

import ctypes
import errno
import time
from collections.abc import Callable
from typing import Any

import numpy as np

# t_s (N,) -> (accel_g (N, 3), gyro_dps (N, 3)): what the chip would sense.
MotionSource = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def still_motion(t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lying flat and still: +1 g on z, no rotation."""
    n = len(t_s)
    acc = np.zeros((n, 3))
    acc[:, 2] = 1.0
    return acc, np.zeros((n, 3))


class FakeClock:
    """A monotonic clock that only moves when told to (deterministic tests)."""

    def __init__(self, start_s: float = 1000.0) -> None:
        self.now_s = start_s

    def __call__(self) -> float:
        return self.now_s

    def advance(self, dt_s: float) -> None:
        self.now_s += dt_s

    def sleep(self, dt_s: float) -> None:
        """Drop-in for ``time.sleep`` that advances this clock instead."""
        self.now_s += max(0.0, dt_s)


class FakeChip:
    """256 registers with auto-increment; chips override ``read``/``write`` hooks."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.regs = bytearray(256)
        self.powered = True

    def read(self, register: int, length: int) -> bytes:
        out = bytearray()
        for i in range(length):
            out.append(self.read_register((register + i) & 0xFF))
        return bytes(out)

    def write(self, register: int, data: bytes) -> None:
        for i, value in enumerate(data):
            self.write_register((register + i) & 0xFF, value)

    def read_register(self, register: int) -> int:
        return self.regs[register]

    def write_register(self, register: int, value: int) -> None:
        self.regs[register] = value & 0xFF


class FakeBus:
    """An smbus2-compatible bus holding fake chips at addresses.

    ``fail(addr, count, err)`` makes the next ``count`` transfers to ``addr``
    raise ``OSError(err)`` (default errno 121, Remote I/O), as a loose wire does.
    """

    def __init__(self) -> None:
        self.chips: dict[int, FakeChip] = {}
        self._failures: dict[int, list[int]] = {}
        self.transfers = 0
        self.closed = False

    def attach(self, addr: int, chip: FakeChip) -> FakeChip:
        self.chips[addr] = chip
        return chip

    def fail(self, addr: int, count: int = 1, err: int = errno.EREMOTEIO) -> None:
        self._failures.setdefault(addr, []).extend([err] * count)

    def _chip(self, addr: int) -> FakeChip:
        self.transfers += 1
        pending = self._failures.get(addr)
        if pending:
            code = pending.pop(0)
            raise OSError(code, f"fake I/O error at 0x{addr:02x}")
        chip = self.chips.get(addr)
        if chip is None:
            raise OSError(errno.ENXIO, f"no device at 0x{addr:02x}")
        return chip

    # --- smbus2 API subset -------------------------------------------------
    def read_byte_data(self, i2c_addr: int, register: int) -> int:
        return self._chip(i2c_addr).read(register, 1)[0]

    def write_byte_data(self, i2c_addr: int, register: int, value: int) -> None:
        self._chip(i2c_addr).write(register, bytes([value & 0xFF]))

    def read_i2c_block_data(self, i2c_addr: int, register: int, length: int) -> list[int]:
        if length > 32:
            raise OSError(errno.EINVAL, "SMBus block read is limited to 32 bytes")
        return list(self._chip(i2c_addr).read(register, length))

    def write_i2c_block_data(self, i2c_addr: int, register: int, data: list[int]) -> None:
        self._chip(i2c_addr).write(register, bytes(data))

    def i2c_rdwr(self, *i2c_msgs: Any) -> None:
        """Combined transactions: a 1-byte register write then reads, as smbus2 sends."""
        register: int | None = None
        for msg in i2c_msgs:
            chip = self._chip(msg.addr)
            if msg.flags & 0x0001:  # I2C_M_RD
                if register is None:
                    raise OSError(errno.EINVAL, "read without a register address")
                data = chip.read(register, msg.len)
                ctypes.memmove(msg.buf, data, msg.len)
            else:
                payload = bytes(msg)
                register = payload[0]
                if len(payload) > 1:
                    chip.write(register, payload[1:])

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> FakeBus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
