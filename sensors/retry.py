"""Retry policy for I2C transfers.

A loose jumper or a motor nearby makes single transfers fail with
``OSError`` (errno 121 ``EREMOTEIO`` when the chip does not acknowledge,
errno 5 ``EIO`` or 110 ``ETIMEDOUT`` when the bus controller gives up). Most
such failures are one-offs, so a transfer is repeated a bounded number of
times with a short, growing pause before the caller escalates (re-initialises
the chip, then gives up with a :class:`sensors.errors.SensorError`).
"""

from __future__ import annotations

import errno
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)

# The chip did not acknowledge its address or register byte: nothing was
# transferred, so even a read with side effects (popping a FIFO) is safe to repeat.
NOT_TRANSFERRED_ERRNOS: frozenset[int] = frozenset({errno.EREMOTEIO, errno.ENXIO})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one transfer: ``attempts`` in all, pausing ``delay_s`` x ``backoff``**k."""

    attempts: int = 3
    delay_s: float = 0.001
    backoff: float = 2.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.delay_s < 0 or self.backoff < 1:
            raise ValueError("delay_s must be >= 0 and backoff >= 1")


def describe_oserror(err: OSError) -> str:
    """``errno 121 (Remote I/O error)``: short and stable for one-line messages."""
    if err.errno is None:
        return str(err) or type(err).__name__
    name = errno.errorcode.get(err.errno, "")
    text = err.strerror or os.strerror(err.errno)
    return f"errno {err.errno} {name} ({text})".replace("  ", " ")


def retry_io(
    fn: Callable[[], T],
    attempts: int = 3,
    *,
    delay_s: float = 0.0,
    backoff: float = 2.0,
    retry_if: Callable[[OSError], bool] | None = None,
    on_retry: Callable[[int, OSError], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``fn`` until it succeeds, at most ``attempts`` times; re-raise the last OSError.

    ``retry_if(err)`` can refuse a retry (the error is re-raised at once), e.g.
    when a failed FIFO burst may have consumed data. ``on_retry(attempt, err)``
    is called before each repeat (for counting and logging). Only ``OSError``
    is retried: anything else is a bug, not a bus glitch.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    pause_s = delay_s
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except OSError as err:
            if attempt == attempts or (retry_if is not None and not retry_if(err)):
                raise
            if on_retry is not None:
                on_retry(attempt, err)
            log.debug("I2C transfer failed (%s), attempt %d of %d", err, attempt, attempts)
            if pause_s > 0:
                sleep(pause_s)
            pause_s *= backoff
    raise AssertionError("unreachable")  # pragma: no cover


def retry_with(
    policy: RetryPolicy,
    fn: Callable[[], T],
    *,
    retry_if: Callable[[OSError], bool] | None = None,
    on_retry: Callable[[int, OSError], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """:func:`retry_io` driven by a :class:`RetryPolicy`."""
    return retry_io(
        fn,
        policy.attempts,
        delay_s=policy.delay_s,
        backoff=policy.backoff,
        retry_if=retry_if,
        on_retry=on_retry,
        sleep=sleep,
    )
