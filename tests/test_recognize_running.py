"""RunningSet keeps exactly the features set_features computes, as reps come and go."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.recognize import RunningSet, classify, recognize, set_features
from analysis.reps import RepShape

finite = st.floats(min_value=0.0, max_value=60.0, allow_nan=False)


def shape(start_s: float, back: float, hold: float, rom: float, moves: int) -> RepShape:
    return RepShape(
        start_s=start_s, end_s=start_s + 3.0, first_move_s=start_s, out_end_s=start_s + 1.0,
        back_start_s=start_s + 2.0, hold_s=hold, rom_deg=rom, shank_rom_deg=None,
        peak_speed_dps=30.0, smoothness=1.0, movements=moves, back_ratio=back,
    )  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(finite, finite, finite, st.integers(1, 5)), min_size=1, max_size=40),
    st.integers(0, 10),
    st.lists(
        st.tuples(
            st.floats(-100.0, 400.0),
            st.floats(0.0, 120.0),
            st.one_of(st.none(), st.tuples(*[st.floats(-1.0, 1.0)] * 3)),
        ),
        max_size=4,
    ),
    st.lists(st.one_of(st.none(), st.tuples(*[st.floats(-1.0, 1.0)] * 3)), max_size=40),
)
def test_running_features_equal_set_features(
    rows: list, drop: int, postures: list, axes: list
) -> None:
    axes = axes + [None] * len(rows)
    reps = [
        replace(shape(10.0 * i, b, h, r, m), axis=axes[i]) for i, (b, h, r, m) in enumerate(rows)
    ]
    running = RunningSet()
    for rep in reps:
        running.add(rep)
        running.features(postures)  # as the counter asks at every rep (counts kept since)
    drop = min(drop, len(reps) - 1)
    for i in range(drop):  # forget the oldest, as the counter does at its memory bound
        running.remove(reps[i], reps[i + 1].start_s)
        running.features(postures)
    kept = reps[drop:]
    assert running.features(postures) == set_features(postures, kept)
    assert classify(running.features(postures), len(running)) == recognize(postures, kept)
