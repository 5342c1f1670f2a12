"""FifoImu: the chip-independent half of an I2C IMU driver with a hardware FIFO.

The chip samples on its own oscillator and queues frames in its FIFO; Python
wakes up now and then, drains whole frames in one burst and stamps them with a
:class:`sensors.clock.SampleClock` (index x period, drift-corrected), so
timestamps do not depend on when Python got round to reading.

This class owns everything that is the same for every FIFO chip: the bus and
address, the sample clock, overflow accounting, retries, re-initialisation and
the one-line :class:`SensorError` when the chip is gone. A chip driver
subclasses it and implements the hooks below (``MPU6050`` and the LSM6DS
driver do).

Subclass hooks (all may raise ``OSError``; the base class retries them):

``_identify() -> str``
    Read the ID register; return the model name (stored in ``.model`` before
    ``_configure`` runs) or raise :class:`SensorError` if the chip is not one
    this driver handles.
``_configure() -> float``
    Reset/wake the chip, apply ``self.settings`` and leave the FIFO enabled and
    collecting; return the actual output data rate in Hz (dividers round).
``_fifo_status() -> tuple[int, bool]``
    ``(frames_available, overflowed)``: whole frames waiting, and whether data
    was lost (or the FIFO lost frame alignment) since the last status read.
    Also called right after a burst that drained an over-half-full FIFO: an
    overflow during the burst means the burst itself is misaligned.
``_read_fifo(n_frames) -> bytes``
    Burst-read exactly ``n_frames * frame_bytes`` bytes from the FIFO.
``_decode(raw) -> tuple[np.ndarray, np.ndarray]``
    Whole frames to ``(accel_g (N, 3), gyro_dps (N, 3))``, vectorised (use
    ``np.frombuffer`` with an explicit-endian int16 dtype).
``_reset_fifo()``
    Empty the FIFO and clear its overflow flag, keeping it enabled.
``_shutdown()`` (optional)
    Best-effort power-down on ``close()``.
Class attributes ``frame_bytes`` and ``fifo_capacity_frames`` describe the FIFO;
``chip_name`` names the family in messages.

Sample accounting: the sample clock knows when the chip produces the first
sample not yet delivered (``SampleClock.slots_until``). On an overflow, or a
failed burst that may have consumed data, the FIFO is reset (its contents
are not frame-aligned after an overwrite, as the Linux inv_mpu6050 driver
also assumes) and every sample slot from then up to the reset is reported as
one ``Gap(reason="overflow"|"io_error")`` and skipped in the sample clock, so
downstream code sees how long the hole is and later samples keep their true
times. Under a ``FakeClock`` the count is exact. After a re-initialisation the
chip's sampling restarts, so the clock is re-anchored and the hole up to the
restart is reported as ``Gap(reason="io_error")``.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Self, TypeVar

import numpy as np

from sensors.bus import I2CBus, open_bus
from sensors.chunk import Gap, ImuChunk
from sensors.clock import SampleClock
from sensors.errors import SensorError
from sensors.retry import NOT_TRANSFERRED_ERRNOS, RetryPolicy, describe_oserror, retry_with

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class ImuSettings:
    """What to ask of the chip; drivers pick the nearest setting the chip supports.

    ``dlpf_hz`` is the digital low-pass bandwidth; ``None`` picks the widest
    one below Nyquist (``rate_hz / 2``) so the FIFO data are not aliased.
    """

    rate_hz: float = 100.0
    accel_range_g: int = 4
    gyro_range_dps: int = 500
    dlpf_hz: float | None = None

    def __post_init__(self) -> None:
        if not (self.rate_hz > 0 and math.isfinite(self.rate_hz)):
            raise ValueError(f"rate_hz must be a positive number, got {self.rate_hz!r}")
        if self.dlpf_hz is not None and not self.dlpf_hz > 0:
            raise ValueError(f"dlpf_hz must be positive or None, got {self.dlpf_hz!r}")


@dataclass
class FifoStats:
    """Counters for diagnostics and tests: what went wrong and how often."""

    samples_read: int = 0
    samples_lost: int = 0
    overflows: int = 0
    io_retries: int = 0
    io_gaps: int = 0
    reinits: int = 0
    last_error: str = ""
    gaps: deque[Gap] = field(default_factory=lambda: deque(maxlen=100))  # the latest


def _bus_label(bus: object, bus_number: int | None) -> str:
    if bus_number is not None:
        return f"/dev/i2c-{bus_number}"
    label = getattr(bus, "label", None)
    return str(label) if label else type(bus).__name__


class FifoImu:
    """Base class for FIFO IMUs on I2C; implements :class:`sensors.base.ImuSource`.

    ``bus`` is an smbus2-compatible object (injected, like a gpiozero pin
    factory) or a bus number to open with :func:`sensors.bus.open_bus`; a bus
    the driver opened itself is closed by :meth:`close`. ``clock`` and
    ``sleep`` are injectable so tests run on a :class:`FakeClock`.
    """

    # --- chip description (subclasses override) -----------------------------
    chip_name: str = "IMU"
    address_hint: str = "the I2C address"  # completes "check wiring, power and ..."
    frame_bytes: int = 12
    fifo_capacity_frames: int = 0
    # --- recovery policy -------------------------------------------------------
    retry_policy: RetryPolicy = RetryPolicy()
    max_reinit_attempts: int = 3  # per failure, each with its own retries
    max_consecutive_failed_reads: int = 3  # reads in a row that needed a re-init

    def __init__(
        self,
        bus: I2CBus | int = 1,
        address: int = 0x68,
        settings: ImuSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if isinstance(bus, int):
            self.bus: I2CBus = open_bus(bus)
            self._owns_bus = True
            self.bus_label = _bus_label(self.bus, bus)
        else:
            self.bus = bus
            self._owns_bus = False
            self.bus_label = _bus_label(bus, None)
        if not 0x03 <= address <= 0x77:
            raise ValueError(f"I2C address 0x{address:02x} is outside 0x03..0x77")
        self.address = address
        self.settings = settings or ImuSettings()
        self.clock = clock
        self.sleep = sleep
        self.model: str = ""
        self.rate_hz: float = self.settings.rate_hz
        self.stats = FifoStats()
        self._sample_clock: SampleClock | None = None
        self._failed_reads = 0

    # --- hooks ----------------------------------------------------------------
    def _identify(self) -> str:
        raise NotImplementedError

    def _configure(self) -> float:
        raise NotImplementedError

    def _fifo_status(self) -> tuple[int, bool]:
        raise NotImplementedError

    def _read_fifo(self, n_frames: int) -> bytes:
        raise NotImplementedError

    def _decode(self, raw: bytes) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _reset_fifo(self) -> None:
        raise NotImplementedError

    def _shutdown(self) -> None:
        """Power the chip down on close (optional)."""

    # --- small helpers for subclasses -------------------------------------------
    def _read_u8(self, register: int) -> int:
        return self.bus.read_byte_data(self.address, register)

    def _write_u8(self, register: int, value: int) -> None:
        self.bus.write_byte_data(self.address, register, value & 0xFF)

    @property
    def where(self) -> str:
        """``MPU-6050 at 0x68 on /dev/i2c-1``: for one-line messages."""
        return f"{self.model or self.chip_name} at 0x{self.address:02x} on {self.bus_label}"

    @property
    def period_s(self) -> float:
        """Current (drift-corrected once enough data arrived) sample period."""
        if self._sample_clock is None:
            return 1.0 / self.rate_hz
        return self._sample_clock.period_s

    @property
    def max_poll_interval_s(self) -> float:
        """Read at least this often or the FIFO overflows."""
        return self.fifo_capacity_frames / self.rate_hz if self.fifo_capacity_frames else math.inf

    @property
    def started(self) -> bool:
        return self._sample_clock is not None

    # --- ImuSource --------------------------------------------------------------
    def start(self) -> None:
        """Identify and configure the chip, enable its FIFO and anchor the sample clock.

        Raises a one-line :class:`SensorError` if there is no chip, the wrong
        chip, or the bus keeps failing.
        """
        try:
            self._initialise()
        except OSError as err:
            raise SensorError(
                f"{self.where}: no answer ({describe_oserror(err)}); check wiring, "
                f"power and {self.address_hint}"
            ) from None
        self._failed_reads = 0
        log.info("%s started at %.2f Hz", self.where, self.rate_hz)

    def read(self) -> ImuChunk:
        """Samples that arrived since the last call (maybe none), with any Gap first.

        Never raises ``OSError``: glitches are retried; if that fails the chip
        is re-initialised and the missed time is reported as a Gap; only when
        re-initialising keeps failing is a one-line :class:`SensorError` raised.
        """
        if self._sample_clock is None:
            raise RuntimeError(f"{type(self).__name__}.read() called before start()")
        try:
            chunk = self._read_cycle()
        except OSError as err:
            chunk = self._recover(err)
        else:
            self._failed_reads = 0
        return chunk

    def close(self) -> None:
        """Best-effort power-down; closes the bus only if this driver opened it."""
        if self._sample_clock is not None:
            try:
                self._shutdown()
            except OSError as err:
                log.debug("%s: shutdown failed: %s", self.where, err)
        self._sample_clock = None
        if self._owns_bus:
            close = getattr(self.bus, "close", None)
            if close is not None:
                close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals --------------------------------------------------------------
    def _retry(self, fn: Callable[[], T], retry_if: Callable[[OSError], bool] | None = None) -> T:
        """Run one transfer under ``retry_policy``, counting and logging each repeat."""

        def on_retry(attempt: int, err: OSError) -> None:
            self.stats.io_retries += 1
            self.stats.last_error = describe_oserror(err)
            log.warning("%s: %s, retrying", self.where, self.stats.last_error)

        return retry_with(
            self.retry_policy, fn, retry_if=retry_if, on_retry=on_retry, sleep=self.sleep
        )

    def _initialise(self) -> None:
        """Identify, configure, empty the FIFO and anchor a new sample clock.

        OSError (after retries) and SensorError escape; the sample clock and
        ``rate_hz`` change only when the whole sequence succeeds.
        """
        self.model = self._retry(self._identify)
        rate_hz = float(self._retry(self._configure))
        if not rate_hz > 0:
            raise ValueError(f"{type(self).__name__}._configure() returned rate {rate_hz!r}")
        self._retry(self._reset_fifo)
        now_s = self.clock()
        sample_clock = SampleClock(1.0 / rate_hz)
        old = self._sample_clock  # a re-init: same oscillator, so keep a settled drift estimate
        seed_s = None
        if old is not None and old.nominal_period_s == sample_clock.nominal_period_s:
            seed_s = old.settled_period_s
        sample_clock.anchor(now_s, seed_s)
        self.rate_hz, self._sample_clock = rate_hz, sample_clock

    @staticmethod
    def _slots(clock: SampleClock, now_s: float) -> int:
        """Sample instants from the next undelivered sample up to ``now_s`` inclusive."""
        return clock.slots_until(now_s)

    def _read_cycle(self) -> ImuChunk:
        """One status read and one burst; OSError escapes only when retries failed."""
        clock = self._sample_clock
        assert clock is not None
        n_frames, overflowed = self._retry(self._fifo_status)
        if overflowed:
            return self._discard_fifo("overflow")
        if n_frames <= 0:
            return ImuChunk.empty()
        try:
            raw = self._retry(lambda: self._read_fifo(n_frames), retry_if=self._burst_retryable)
        except OSError as err:
            # A burst that failed part-way may have popped bytes: frame
            # alignment is unknown, so start the FIFO afresh and count the hole.
            self.stats.last_error = describe_oserror(err)
            log.warning("%s: FIFO burst failed (%s); resetting the FIFO", self.where,
                        self.stats.last_error)
            return self._discard_fifo("io_error")
        if len(raw) != n_frames * self.frame_bytes:
            self.stats.last_error = f"short FIFO read ({len(raw)} bytes)"
            return self._discard_fifo("io_error")
        if n_frames * 2 >= self.fifo_capacity_frames > 0:
            # The FIFO was over half full: if it overflowed while we drained it,
            # the writer overtook our read position and the burst is misaligned.
            if self._retry(self._fifo_status)[1]:
                return self._discard_fifo("overflow")
        now_s = self.clock()
        accel_g, gyro_dps = self._decode(bytes(raw))
        t_s = clock.stamp(n_frames, now_s)
        self.stats.samples_read += n_frames
        return ImuChunk(t_s, accel_g, gyro_dps)

    @staticmethod
    def _burst_retryable(err: OSError) -> bool:
        """Repeat a FIFO burst only if the chip never acknowledged it (no byte popped)."""
        return err.errno in NOT_TRANSFERRED_ERRNOS

    def _discard_fifo(self, reason: str) -> ImuChunk:
        """Reset the FIFO and report every sample produced since the last delivered one."""
        clock = self._sample_clock
        assert clock is not None
        self._retry(self._reset_fifo)
        now_s = self.clock()
        lost = self._slots(clock, now_s)
        clock.skip(lost, now_s)
        return self._gap_chunk(lost, reason)

    def _gap_chunk(self, lost: int, reason: str) -> ImuChunk:
        """An empty chunk carrying ``Gap(0, lost, reason)`` (or nothing if lost is 0)."""
        if lost <= 0:
            return ImuChunk.empty()
        gap = Gap(0, lost, reason)
        self.stats.samples_lost += lost
        self.stats.gaps.append(gap)
        if reason == "overflow":
            self.stats.overflows += 1
        else:
            self.stats.io_gaps += 1
        log.warning("%s: %d samples lost (%s)", self.where, lost, reason)
        return ImuChunk(np.zeros(0), np.zeros((0, 3)), np.zeros((0, 3)), gaps=(gap,))

    def _recover(self, cause: OSError) -> ImuChunk:
        """Retries failed: re-initialise the chip (bounded), report the hole as a Gap."""
        old_clock = self._sample_clock
        assert old_clock is not None
        self.stats.last_error = describe_oserror(cause)
        self._failed_reads += 1
        if self._failed_reads > self.max_consecutive_failed_reads:
            raise SensorError(
                f"{self.where}: still failing after {self.max_consecutive_failed_reads} "
                f"re-initialisations ({self.stats.last_error}); check wiring and power"
            ) from None
        problem = self.stats.last_error
        for attempt in range(1, self.max_reinit_attempts + 1):
            log.warning("%s: %s; re-initialising (%d of %d)", self.where, problem,
                        attempt, self.max_reinit_attempts)
            self.stats.reinits += 1
            try:
                self._initialise()
            except OSError as err:
                problem = describe_oserror(err)
            except SensorError as err:  # e.g. a garbled WHO_AM_I on a noisy bus
                problem = str(err)
            else:
                # The chip restarted at the new anchor: every slot of the old
                # stream up to then is lost (anchor = new clock's next - period).
                new_clock = self._sample_clock
                assert new_clock is not None and new_clock.next_t_s is not None
                restart_s = new_clock.next_t_s - new_clock.period_s
                return self._gap_chunk(self._slots(old_clock, restart_s), "io_error")
            self.sleep(max(self.retry_policy.delay_s, 0.001) * 10 * attempt)
        self.stats.last_error = problem
        raise SensorError(
            f"{self.where}: stopped answering and {self.max_reinit_attempts} "
            f"re-initialisations failed ({problem}); check wiring and power"
        ) from None
