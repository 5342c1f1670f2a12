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

import numpy as np

from analysis.reps import _split_far_end
from analysis.segment import Excursion
from analysis.settings import RAISED_LEG_STRETCH, SEATED_LEG_KICK, SEATED_LEG_RAISE

KICK_BACK_RATIO = 0.14  # median back swing / forward swing above this = kick
KICK_MOVEMENTS = 3  # ... or three movements per rep with no hold
STRETCH_HOLD_S = 2.0  # median hold at the far end, after a lift into position
STRETCH_SMALL_ROM_DEG = 12.0  # or small thigh excursions after a lift into position
SETUP_POSTURE_DEG = 45.0
SETUP_WINDOW_S = 90.0


def set_features(excursions: Sequence[Excursion], reps: Sequence[Excursion]) -> dict[str, float]:
    """The recognition features of a set (see module doc)."""
    back, holds, roms, moves = [], [], [], []
    for e in reps:
        signed = e.signed_thigh_deg()
        top = float(signed.max()) if len(signed) else 0.0
        back.append(max(0.0, -float(signed.min())) / top if top > 0 else 0.0)
        holds.append(_split_far_end(e)[2])
        roms.append(e.rom_deg)
        moves.append(len(e.bumps))
    first = reps[0].t_s[0] if reps and len(reps[0].t_s) else 0.0
    setup = sum(
        1
        for x in excursions
        if x.ended == "posture"
        and len(x.t_s)
        and first - SETUP_WINDOW_S <= x.t_s[-1] <= first
        and x.rom_deg >= SETUP_POSTURE_DEG
    )
    return {
        "back_ratio": float(np.median(back)) if back else 0.0,
        "hold_s": float(np.median(holds)) if holds else 0.0,
        "rom_deg": float(np.median(roms)) if roms else 0.0,
        "movements": float(np.median(moves)) if moves else 0.0,
        "setup": float(setup),
    }


def recognize(
    excursions: Sequence[Excursion], reps: Sequence[Excursion]
) -> tuple[str, float]:
    """(exercise, confidence 0..1) from all excursions and those that were reps."""
    if not reps:
        return SEATED_LEG_RAISE, 0.0
    f = set_features(excursions, reps)
    evidence = min(1.0, len(reps) / 4.0)  # more reps, more certainty
    if f["back_ratio"] >= KICK_BACK_RATIO or (
        f["movements"] >= KICK_MOVEMENTS and f["hold_s"] < 1.0 and not f["setup"]
    ):
        margin = f["back_ratio"] / KICK_BACK_RATIO
        return SEATED_LEG_KICK, evidence * min(1.0, 0.5 * margin)
    if f["setup"] and (f["hold_s"] >= STRETCH_HOLD_S or f["rom_deg"] < STRETCH_SMALL_ROM_DEG):
        return RAISED_LEG_STRETCH, evidence * min(1.0, f["hold_s"] / (2 * STRETCH_HOLD_S) + 0.5)
    return SEATED_LEG_RAISE, evidence * 0.7
