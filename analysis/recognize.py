"""Which of the three exercises a set is (``--exercise auto``).

Rule-based on features of the set's repetitions and what came before them;
the features and thresholds are documented in docs/counting.md and tuned on
the simulator's tuning split only.
"""

from __future__ import annotations

from collections.abc import Sequence

from analysis.segment import Excursion
from analysis.settings import SEATED_LEG_RAISE


def recognize(
    excursions: Sequence[Excursion], reps: Sequence[Excursion]
) -> tuple[str, float]:
    """(exercise, confidence 0..1) from all excursions and those that were reps."""
    return SEATED_LEG_RAISE, 0.0
