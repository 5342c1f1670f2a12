"""Scoring the counter against ground truth (pure: dicts and lists in, numbers out).

Matching: a detected rep matches the true rep it overlaps most (one-to-one,
greedy by overlap, at least 30 % of the shorter one). Tempo verdicts are
scored on matched reps only, and reps whose true duration lies in the
contract's either-verdict band (``*_ambiguous``) are left out of the
verdict scores.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

MIN_OVERLAP = 0.3
ALERT_LATENCY_S = 0.3  # a too-fast alert at the latest this long after the phase ends
# CONTRACT §1 bands: (always flagged at or below, never flagged at or above), seconds
PHASE_BAND_S = (0.8, 2.3)
_PHASE_KEYS = {"seated_leg_raise": "lift_s", "seated_leg_kick": "total_s",
               "raised_leg_stretch": "straighten_s"}  # fmt: skip
KICK_BAND_S = (1.9, 3.8)


def forced_fast_phases(rep: dict[str, Any]) -> list[tuple[float, float]]:
    """(start, end) of a true rep's phases that the contract always flags as too fast."""
    p, start, end = rep["phases"], rep["start_s"], rep["end_s"]
    out: list[tuple[float, float]] = []
    if rep["exercise"] == "seated_leg_raise":
        if p["lift_s"] <= PHASE_BAND_S[0]:
            out.append((start, start + p["lift_s"]))
        if p["lower_s"] <= PHASE_BAND_S[0]:
            out.append((end - p["lower_s"], end))
    elif rep["exercise"] == "seated_leg_kick":
        if p["total_s"] <= KICK_BAND_S[0]:
            out.append((start, end))
    elif p["straighten_s"] <= PHASE_BAND_S[0]:
        out.append((start, start + p["straighten_s"]))
    return out


def clearly_slow(rep: dict[str, Any]) -> bool:
    """Every timed phase of a true rep at or above the contract's never-flag bound."""
    p = rep["phases"]
    if rep["exercise"] == "seated_leg_raise":
        return min(p["lift_s"], p["lower_s"]) >= PHASE_BAND_S[1]
    if rep["exercise"] == "seated_leg_kick":
        return p["total_s"] >= KICK_BAND_S[1]
    return p["straighten_s"] >= PHASE_BAND_S[1]


def score_alerts(
    truth_reps: Sequence[dict[str, Any]], alert_times_s: Sequence[float]
) -> tuple[int, int, int, int]:
    """(too-fast phases, alerted in time, clearly slow reps, of those alerted).

    In time = a too_fast alert during the phase or at most 0.3 s after it ends.
    """
    due = in_time = slow = slow_alerted = 0
    for rep in truth_reps:
        near = [t for t in alert_times_s if rep["start_s"] <= t <= rep["end_s"] + ALERT_LATENCY_S]
        phases = forced_fast_phases(rep)
        if phases:
            due += 1
            in_time += bool(near) and min(near) <= phases[0][1] + ALERT_LATENCY_S
        if clearly_slow(rep):
            slow += 1
            slow_alerted += bool(near)
    return due, in_time, slow, slow_alerted


def match_reps(
    detected: Sequence[dict[str, Any]], truth: Sequence[dict[str, Any]]
) -> list[tuple[int, int]]:
    """Pairs (detected index, truth index), one-to-one, by greatest time overlap."""
    cands = []
    for i, d in enumerate(detected):
        for j, t in enumerate(truth):
            ov = min(d["end_s"], t["end_s"]) - max(d["start_s"], t["start_s"])
            shorter = min(d["end_s"] - d["start_s"], t["end_s"] - t["start_s"])
            if ov > 0 and shorter > 0 and ov / shorter >= MIN_OVERLAP:
                cands.append((ov, i, j))
    cands.sort(reverse=True)
    used_d, used_t, pairs = set(), set(), []
    for _, i, j in cands:
        if i not in used_d and j not in used_t:
            used_d.add(i)
            used_t.add(j)
            pairs.append((i, j))
    return sorted(pairs)


@dataclass
class Counts:
    """True/false positives and negatives, and the F1 they give."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: bool, actual: bool) -> None:
        self.tp += predicted and actual
        self.fp += predicted and not actual
        self.fn += actual and not predicted

    def __iadd__(self, other: Counts) -> Counts:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        return self

    @property
    def f1(self) -> float | None:
        denom = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denom if denom else None


@dataclass
class FileScore:
    """One recording's score."""

    file: str
    exercise: str | None
    condition: str
    true_count: int
    count: int
    duration_s: float
    reps: Counts = field(default_factory=Counts)
    too_fast: Counts = field(default_factory=Counts)
    short_hold: Counts = field(default_factory=Counts)
    recognized: str | None = None
    sensors: str = "thigh"  # "thigh" or "thigh+shank"
    timing_errors_s: list[float] = field(default_factory=list)
    alerts: tuple[int, int, int, int] = (0, 0, 0, 0)  # see score_alerts
    missed: list[tuple[float, float]] = field(default_factory=list)  # true reps not found
    # detected reps that match no true rep, with the everyday activities around them
    extra: list[tuple[float, float, tuple[str, ...]]] = field(default_factory=list)

    @property
    def error(self) -> int:
        return self.count - self.true_count


def score_file(
    file: str,
    truth: dict[str, Any],
    detected: dict[str, Any],
    duration_s: float,
    recognized: str | None = None,
    alert_times_s: Sequence[float] = (),
    sensors: str = "thigh",
) -> FileScore:
    """Score one analyze result (CONTRACT §3 dict) against its truth dict.

    ``alert_times_s``: when the live core raised ``too_fast`` alerts, if known.
    """
    t_reps = truth.get("reps", [])
    true_count = int(truth.get("count", truth.get("expected_count", len(t_reps))))
    d_reps = detected["reps"]
    fs = FileScore(
        file,
        truth.get("exercise"),
        truth.get("condition", "real"),
        true_count,
        len(d_reps),
        duration_s,
        recognized=recognized,
        sensors=sensors,
    )
    if len(t_reps) != true_count:  # count-only truth (real data without boundaries)
        return fs
    # alerts are scored on reps whose truth has phase durations (the simulator's)
    timed = [t for t in t_reps if _PHASE_KEYS.get(t.get("exercise"), "?") in t.get("phases", {})]
    fs.alerts = score_alerts(timed, alert_times_s)
    pairs = match_reps(d_reps, t_reps)
    fs.reps = Counts(tp=len(pairs), fp=len(d_reps) - len(pairs), fn=len(t_reps) - len(pairs))
    found_d, found_t = {i for i, _ in pairs}, {j for _, j in pairs}
    fs.missed = [(t["start_s"], t["end_s"]) for j, t in enumerate(t_reps) if j not in found_t]
    for i, d in enumerate(d_reps):
        if i not in found_d:
            near = tuple(
                e["kind"]
                for e in truth.get("everyday", [])
                if e["end_s"] > d["start_s"] - 1.0 and e["start_s"] < d["end_s"] + 1.0
            )
            fs.extra.append((d["start_s"], d["end_s"], near))
    for i, j in pairs:
        d, t = d_reps[i], t_reps[j]
        fs.timing_errors_s += [d["start_s"] - t["start_s"], d["end_s"] - t["end_s"]]
        if "too_fast" in t and not t.get("too_fast_ambiguous", False):
            fs.too_fast.add(bool(d["too_fast"]), bool(t["too_fast"]))
        if t.get("exercise") == "raised_leg_stretch" and not t.get("short_hold_ambiguous", False):
            fs.short_hold.add(bool(d["short_hold"]), bool(t["short_hold"]))
    return fs


@dataclass
class Summary:
    """Aggregate of many FileScores (one row of the eval table)."""

    n: int
    exact_pct: float
    within1_pct: float
    mae: float
    rep_f1: float | None
    too_fast_f1: float | None
    short_hold_f1: float | None
    false_reps_per_hour: float | None
    recognition_pct: float | None
    timing_mae_s: float | None
    alert_in_time_pct: float | None  # clearly too-fast phases alerted within 0.3 s
    false_alert_pct: float | None  # clearly slow reps that got a 'slow down' anyway
    n_sets: int = 0  # recordings with an exercise (the denominator of exact_pct)
    n_exact: int = 0  # ... counted exactly
    n_within1: int = 0  # ... within one rep


def summarize(scores: Iterable[FileScore]) -> Summary:
    scores = list(scores)
    ex = [s for s in scores if s.exercise is not None or s.true_count > 0]
    none = [s for s in scores if s.exercise is None and s.true_count == 0]
    reps, tf, sh = Counts(), Counts(), Counts()
    timing: list[float] = []
    for s in ex:
        reps += s.reps
        tf += s.too_fast
        sh += s.short_hold
        timing += s.timing_errors_s
    rec = [s for s in ex if s.exercise is not None and s.recognized is not None]
    hours = sum(s.duration_s for s in none) / 3600.0
    due = sum(s.alerts[0] for s in ex)
    in_time = sum(s.alerts[1] for s in ex)
    slow = sum(s.alerts[2] for s in ex)
    slow_alerted = sum(s.alerts[3] for s in ex)
    n = len(ex)
    n_exact = sum(s.error == 0 for s in ex)
    n_within1 = sum(abs(s.error) <= 1 for s in ex)
    return Summary(
        n=len(scores),
        exact_pct=100.0 * n_exact / n if n else float("nan"),
        within1_pct=100.0 * n_within1 / n if n else float("nan"),
        mae=sum(abs(s.error) for s in ex) / n if n else float("nan"),
        rep_f1=reps.f1,
        too_fast_f1=tf.f1,
        short_hold_f1=sh.f1,
        false_reps_per_hour=(sum(s.count for s in none) / hours) if hours > 0 else None,
        recognition_pct=(
            100.0 * sum(s.recognized == s.exercise for s in rec) / len(rec) if rec else None
        ),
        timing_mae_s=(sum(abs(x) for x in timing) / len(timing)) if timing else None,
        alert_in_time_pct=100.0 * in_time / due if due else None,
        false_alert_pct=100.0 * slow_alerted / slow if slow else None,
        n_sets=n,
        n_exact=n_exact,
        n_within1=n_within1,
    )


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k / n`` (default 95 %), as fractions.

    A test set of a few hundred recordings measures an exact-count rate only to
    a percent or two; the interval says how far (Wilson, not the normal
    approximation, which misbehaves near 100 %).
    """
    if n <= 0:
        return (0.0, 1.0)
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def format_intervals(name: str, s: Summary) -> str:
    """One line: the exact and within-one rates of a row with their 95 % intervals."""
    if not s.n_sets:
        return f"{name}: no recordings with an exercise"
    parts = []
    for what, k in (("exact", s.n_exact), ("within ±1", s.n_within1)):
        lo, hi = wilson_interval(k, s.n_sets)
        parts.append(f"{what} {k}/{s.n_sets} = {100 * k / s.n_sets:.1f} % "
                     f"(95 % interval {100 * lo:.1f}–{100 * hi:.1f} %)")  # fmt: skip
    return f"{name}: " + "; ".join(parts)


def format_errors(scores: Iterable[FileScore]) -> str:
    """One block per recording the counter got wrong: its missed and extra reps."""
    lines = []
    for s in scores:
        if s.error == 0 and not s.missed and not s.extra:
            continue
        lines.append(
            f"{s.file}: {s.exercise or 'none'} {s.condition} true={s.true_count} got={s.count}"
        )
        lines += [f"  missed {a:.1f}-{b:.1f} s" for a, b in s.missed]
        for a, b, near in s.extra:
            during = f" (during {', '.join(near)})" if near else ""
            lines.append(f"  extra  {a:.1f}-{b:.1f} s{during}")
    return "\n".join(lines)


def format_table(rows: Sequence[tuple[str, Summary]]) -> str:
    """A fixed-width table, one row per group."""

    def f(x: float | None, pct: bool = False, nd: int = 2) -> str:
        if x is None or x != x:
            return "-"
        return f"{x:.1f}" if pct else f"{x:.{nd}f}"

    head = (
        f"{'group':<32}{'n':>5}{'exact%':>8}{'±1%':>7}{'MAE':>6}{'repF1':>7}"
        f"{'fastF1':>8}{'holdF1':>8}{'FP/h':>7}{'recog%':>8}{'t_err':>7}"
        f"{'alert%':>8}{'falseA%':>8}"
    )
    lines = [head, "-" * len(head)]
    for name, s in rows:
        lines.append(
            f"{name:<32}{s.n:>5}{f(s.exact_pct, True):>8}{f(s.within1_pct, True):>7}"
            f"{f(s.mae):>6}{f(s.rep_f1, nd=3):>7}{f(s.too_fast_f1, nd=3):>8}"
            f"{f(s.short_hold_f1, nd=3):>8}{f(s.false_reps_per_hour, nd=1):>7}"
            f"{f(s.recognition_pct, True):>8}{f(s.timing_mae_s):>7}"
            f"{f(s.alert_in_time_pct, True):>8}{f(s.false_alert_pct, True):>8}"
        )
    return "\n".join(lines)
