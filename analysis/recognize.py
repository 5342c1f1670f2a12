"""Which of the three exercises a set is (``--exercise auto``).

Three physical cues, measured on the set's repetitions (medians, so one odd
rep does not decide):

* the kick's back swing: the thigh first moves the *other* way (signed angle
  below zero, as a fraction of the forward excursion), in three movements;
* the stretch's set-up: the leg was lifted into the held position (a posture
  change of >= 45 degrees before the first rep), and each rep holds the stretch
  or pushes the thigh back the other way (straightening the knee of a held
  thigh pulls it away from the chest: most reps turn it against the lift).
  Sitting down is a posture change too, but a seated raise or kick then turns
  the thigh the same way as sitting down did: such a posture change is no
  set-up;
* otherwise a seated leg raise (one lift, little or no hold, one lowering).

Thresholds are set on the simulator's tuning split only (docs/counting.md).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Sequence

from analysis.reps import RepShape
from analysis.settings import RAISED_LEG_STRETCH, SEATED_LEG_KICK, SEATED_LEG_RAISE
from analysis.vec import Axis, dot

KICK_BACK_RATIO = 0.14  # median back swing / forward swing above this = kick
KICK_MOVEMENTS = 3  # ... or three movements per rep with no hold
STRONG_KICK_BACK_RATIO = 0.3  # this much back swing in three movements: a kick even after a lift
STRETCH_HOLD_S = 2.0  # median hold at the far end, after a lift into position
STRETCH_SMALL_ROM_DEG = 12.0  # or small thigh excursions after a lift into position
SETUP_POSTURE_DEG = 45.0
SETUP_WINDOW_S = 90.0
SAME_SENSE_MAX = 0.3  # under this share of reps turning against the posture change: sat down
STRETCH_OPPOSITE = 0.5  # at least this share turning against the lift: the stretch

# a posture change: (end t_s, angle turned, axis turned about (sensor frame) or None)
Posture = tuple[float, float, Axis | None]


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


def _setups(postures: Sequence[Posture], first_s: float) -> list[Posture]:
    """Posture changes of >= 45 deg in the 90 s before the first rep."""
    return [
        p
        for p in postures
        if first_s - SETUP_WINDOW_S <= p[0] <= first_s and p[1] >= SETUP_POSTURE_DEG
    ]


def _setup_axis(postures: Sequence[Posture], first_s: float) -> Axis | None:
    """The axis the last set-up posture change turned the thigh about (None: unknown)."""
    setups = _setups(postures, first_s)
    return setups[-1][2] if setups else None


def _against(axis: Axis | None, setup_axis: Axis) -> bool | None:
    """The rep turns the thigh against the posture change (None: no axis to tell)."""
    if axis is None:
        return None
    return dot(axis, setup_axis) < 0.0


def _opposite_share(axes: Iterable[Axis | None], setup_axis: Axis | None) -> float:
    """Share of reps turning the thigh against the set-up posture change; -1 if unknown."""
    if setup_axis is None:
        return -1.0
    flags = [f for f in (_against(a, setup_axis) for a in axes) if f is not None]
    return sum(flags) / len(flags) if flags else -1.0


def set_features(postures: Sequence[Posture], reps: Sequence[RepShape]) -> dict[str, float]:
    """The recognition features of a set (see module doc)."""
    f = {k: _median([getattr(r, k) for r in reps]) if reps else 0.0 for k in _FEATURES}
    first_s = reps[0].start_s if reps else 0.0
    f["setup"] = float(len(_setups(postures, first_s)))
    f["opposite"] = _opposite_share((r.axis for r in reps), _setup_axis(postures, first_s))
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
        self._axes: list[Axis | None] = []  # in order, for the share turning against the set-up
        self._vs: Axis | None = None  # the set-up axis the counts below refer to
        self._against = 0
        self._with_axis = 0

    def __len__(self) -> int:
        return len(self._sorted["hold_s"])

    def add(self, rep: RepShape) -> None:
        if self.first_s is None:
            self.first_s = rep.start_s
        for k, v in self._sorted.items():
            insort(v, getattr(rep, k))
        self._axes.append(rep.axis)
        self._count(rep.axis, +1)

    def _count(self, axis: Axis | None, sign: int) -> None:
        if self._vs is not None:
            flag = _against(axis, self._vs)
            if flag is not None:
                self._with_axis += sign
                self._against += sign * flag

    def remove(self, rep: RepShape, next_first_s: float | None) -> None:
        """Forget a rep (the oldest, when the memory bound is reached)."""
        for k, v in self._sorted.items():
            del v[bisect_left(v, getattr(rep, k))]
        self.first_s = next_first_s
        self._count(self._axes.pop(0), -1)

    def features(self, postures: Sequence[Posture]) -> dict[str, float]:
        f = {k: _median_of_sorted(v) if v else 0.0 for k, v in self._sorted.items()}
        first_s = self.first_s if self.first_s is not None else 0.0
        f["setup"] = float(len(_setups(postures, first_s)))
        vs = _setup_axis(postures, first_s)
        if vs != self._vs:  # a new set-up (rare): count again against it
            self._vs, self._against, self._with_axis = vs, 0, 0
            for a in self._axes:
                self._count(a, +1)
        f["opposite"] = self._against / self._with_axis if vs and self._with_axis else -1.0
        return f


def recognize(postures: Sequence[Posture], reps: Sequence[RepShape]) -> tuple[str, float]:
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
    opposite = f.get("opposite", -1.0)
    setup = f["setup"] and not 0.0 <= opposite < SAME_SENSE_MAX  # (else: sat down)
    stretch_like = setup and (
        opposite >= STRETCH_OPPOSITE
        or f["hold_s"] >= STRETCH_HOLD_S
        or f["rom_deg"] < STRETCH_SMALL_ROM_DEG
    )
    if stretch_like and not strong_kick:
        # lifted into position, then holds or small moves: a held leg sways, which
        # can look like a small back swing, so this is decided before the kick
        return RAISED_LEG_STRETCH, evidence * min(1.0, f["hold_s"] / (2 * STRETCH_HOLD_S) + 0.5)
    if f["back_ratio"] >= KICK_BACK_RATIO or (
        f["movements"] >= KICK_MOVEMENTS and f["hold_s"] < 1.0 and not setup
    ):
        margin = f["back_ratio"] / KICK_BACK_RATIO
        return SEATED_LEG_KICK, evidence * min(1.0, 0.5 * margin)
    return SEATED_LEG_RAISE, evidence * 0.7
