"""Which of the three exercises a set is (``--exercise auto``).

Three physical cues, measured on the set's repetitions (medians, so one odd
rep does not decide):

* the kick's back swing: the thigh first moves the *other* way (signed angle
  below zero, as a fraction of the forward excursion), in three movements;
* the stretch's set-up: the leg was lifted into the held position (a posture
  change of >= 45 degrees before the first rep), and each rep holds the stretch;
* otherwise a seated leg raise (one lift, little or no hold, one lowering).

Thresholds are set on the simulator's tuning split only (docs/counting.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from analysis.reps import RepShape
from analysis.settings import RAISED_LEG_STRETCH, SEATED_LEG_KICK, SEATED_LEG_RAISE

KICK_BACK_RATIO = 0.14  # median back swing / forward swing above this = kick
KICK_MOVEMENTS = 3  # ... or three movements per rep with no hold
STRONG_KICK_BACK_RATIO = 0.3  # this much back swing in three movements: a kick even after a lift
STRETCH_HOLD_S = 2.0  # median hold at the far end, after a lift into position
STRETCH_SMALL_ROM_DEG = 12.0  # or small thigh excursions after a lift into position
SETUP_POSTURE_DEG = 45.0
SETUP_WINDOW_S = 90.0


def _median(values: list[float] | list[int]) -> float:
    """``np.median`` of a non-empty list of finite numbers, bit for bit, without numpy.

    (Recognition runs at every rep, on every rep so far: numpy's overhead on
    these short lists cost more than the sorting.)
    """
    v = sorted(values)
    k = len(v) // 2
    return float(v[k]) if len(v) % 2 else (v[k - 1] + v[k]) / 2.0


def set_features(
    postures: Sequence[tuple[float, float]], reps: Sequence[RepShape]
) -> dict[str, float]:
    """The recognition features of a set (see module doc)."""
    first = reps[0].start_s if reps else 0.0
    setup = sum(
        1
        for t_end, angle in postures
        if first - SETUP_WINDOW_S <= t_end <= first and angle >= SETUP_POSTURE_DEG
    )
    return {
        "back_ratio": _median([r.back_ratio for r in reps]) if reps else 0.0,
        "hold_s": _median([r.hold_s for r in reps]) if reps else 0.0,
        "rom_deg": _median([r.rom_deg for r in reps]) if reps else 0.0,
        "movements": _median([r.movements for r in reps]) if reps else 0.0,
        "setup": float(setup),
    }


def recognize(
    postures: Sequence[tuple[float, float]], reps: Sequence[RepShape]
) -> tuple[str, float]:
    """(exercise, confidence 0..1) from recent posture changes and the set's reps."""
    if not reps:
        return SEATED_LEG_RAISE, 0.0
    f = set_features(postures, reps)
    evidence = min(1.0, len(reps) / 4.0)  # more reps, more certainty
    strong_kick = f["back_ratio"] >= STRONG_KICK_BACK_RATIO and f["movements"] >= KICK_MOVEMENTS
    stretch_like = f["setup"] and (
        f["hold_s"] >= STRETCH_HOLD_S or f["rom_deg"] < STRETCH_SMALL_ROM_DEG
    )
    if stretch_like and not strong_kick:
        # lifted into position, then holds or small moves: a held leg sways, which
        # can look like a small back swing, so this is decided before the kick
        return RAISED_LEG_STRETCH, evidence * min(1.0, f["hold_s"] / (2 * STRETCH_HOLD_S) + 0.5)
    if f["back_ratio"] >= KICK_BACK_RATIO or (
        f["movements"] >= KICK_MOVEMENTS and f["hold_s"] < 1.0 and not f["setup"]
    ):
        margin = f["back_ratio"] / KICK_BACK_RATIO
        return SEATED_LEG_KICK, evidence * min(1.0, 0.5 * margin)
    return SEATED_LEG_RAISE, evidence * 0.7
