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

from bisect import bisect_left, insort
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
    return _median_of_sorted(sorted(values))


def _median_of_sorted(v: list[float] | list[int]) -> float:
    """The median of a sorted non-empty list (as :func:`_median`)."""
    k = len(v) // 2
    return float(v[k]) if len(v) % 2 else (v[k - 1] + v[k]) / 2.0


_FEATURES = ("back_ratio", "hold_s", "rom_deg", "movements")


def _setup(postures: Sequence[tuple[float, float]], first_s: float) -> float:
    """Lifts into position (>= 45 deg) in the 90 s before the first rep."""
    return float(
        sum(
            1
            for t_end, angle in postures
            if first_s - SETUP_WINDOW_S <= t_end <= first_s and angle >= SETUP_POSTURE_DEG
        )
    )


def set_features(
    postures: Sequence[tuple[float, float]], reps: Sequence[RepShape]
) -> dict[str, float]:
    """The recognition features of a set (see module doc)."""
    f = {k: _median([getattr(r, k) for r in reps]) if reps else 0.0 for k in _FEATURES}
    f["setup"] = _setup(postures, reps[0].start_s if reps else 0.0)
    return f


class RunningSet:
    """The same features as :func:`set_features` for a growing list of reps.

    Kept sorted as reps come and go, so the live guess at every rep costs a
    binary insertion instead of sorting every rep so far (a long session's set
    would otherwise make recognition quadratic in its length).
    """

    def __init__(self) -> None:
        self._sorted: dict[str, list[float]] = {k: [] for k in _FEATURES}
        self.first_s: float | None = None

    def __len__(self) -> int:
        return len(self._sorted["hold_s"])

    def add(self, rep: RepShape) -> None:
        if self.first_s is None:
            self.first_s = rep.start_s
        for k, v in self._sorted.items():
            insort(v, getattr(rep, k))

    def remove(self, rep: RepShape, next_first_s: float | None) -> None:
        """Forget a rep (the oldest, when the memory bound is reached)."""
        for k, v in self._sorted.items():
            del v[bisect_left(v, getattr(rep, k))]
        self.first_s = next_first_s

    def features(self, postures: Sequence[tuple[float, float]]) -> dict[str, float]:
        f = {k: _median_of_sorted(v) if v else 0.0 for k, v in self._sorted.items()}
        f["setup"] = _setup(postures, self.first_s if self.first_s is not None else 0.0)
        return f


def recognize(
    postures: Sequence[tuple[float, float]], reps: Sequence[RepShape]
) -> tuple[str, float]:
    """(exercise, confidence 0..1) from recent posture changes and the set's reps."""
    if not reps:
        return SEATED_LEG_RAISE, 0.0
    return classify(set_features(postures, reps), len(reps))


def classify(f: dict[str, float], n_reps: int) -> tuple[str, float]:
    """(exercise, confidence 0..1) from a set's features (:func:`set_features`)."""
    if not n_reps:
        return SEATED_LEG_RAISE, 0.0
    evidence = min(1.0, n_reps / 4.0)  # more reps, more certainty
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
