"""PostureMemory: the thigh's lateral axis and the standing posture, as the core learns them."""

from __future__ import annotations

import math

from analysis.posture import PostureMemory
from analysis.reps import RepShape
from analysis.settings import CoreSettings


def shape(start_s: float, axis: tuple[float, float, float] | None) -> RepShape:
    return RepShape(
        start_s=start_s, end_s=start_s + 4.0, first_move_s=start_s, out_end_s=start_s + 1.5,
        back_start_s=start_s + 2.5, hold_s=1.0, rom_deg=15.0, shank_rom_deg=None,
        peak_speed_dps=20.0, smoothness=1.0, movements=2, back_ratio=0.0, axis=axis,
    )  # fmt: skip


def unit(deg: float) -> tuple[float, float, float]:
    """A unit vector ``deg`` degrees from +y, in the x-y plane."""
    r = math.radians(deg)
    return (math.sin(r), math.cos(r), 0.0)


def test_lateral_axis_from_the_nearest_posture_change() -> None:
    body = PostureMemory(CoreSettings())
    assert body.on_lateral_axis(shape(50.0, unit(89.0)), before_only=False)  # nothing known
    body.posture_changed(10.0, unit(0.0))
    assert body.on_lateral_axis(shape(50.0, unit(55.0)), before_only=True)
    assert body.on_lateral_axis(shape(50.0, unit(180.0 - 55.0)), before_only=True)  # either sense
    assert not body.on_lateral_axis(shape(50.0, unit(65.0)), before_only=True)
    assert body.on_lateral_axis(shape(50.0, unit(65.0)), before_only=True, stretch=True)
    assert not body.on_lateral_axis(shape(50.0, unit(80.0)), before_only=True, stretch=True)
    # a rep before any posture change: live it passes, at the end the first one after judges
    assert body.on_lateral_axis(shape(5.0, unit(80.0)), before_only=True)
    assert not body.on_lateral_axis(shape(5.0, unit(80.0)), before_only=False)


def test_standing_needs_walking_twice() -> None:
    body = PostureMemory(CoreSettings())
    standing = (0.0, 0.0, 1.0)
    body.walked_from(standing)
    assert not body.wrong_posture(standing, stretch=False)  # once is not enough
    body.walked_from((0.0, math.sin(0.05), math.cos(0.05)))  # about 3 deg off
    assert body.wrong_posture(standing, stretch=False)
    sitting = (0.0, 1.0, 0.0)  # 90 deg from standing
    held = (0.0, 0.17, -0.985)  # about 170 deg from standing: the leg held up, knee high
    assert not body.wrong_posture(sitting, stretch=False)
    assert body.wrong_posture(sitting, stretch=True)
    assert not body.wrong_posture(held, stretch=True)


def test_a_stretch_set_pushes_against_the_lift() -> None:
    body = PostureMemory(CoreSettings())
    body.posture_changed(10.0, (0.0, 0.0, 1.0))
    against = [shape(20.0, (0.0, 0.0, 1.0)), shape(30.0, (0.0, 0.0, -1.0))]
    along = [shape(20.0, (0.0, 0.0, 1.0)), shape(30.0, (0.0, 0.2, 0.98))]
    assert body.against_setup(against)
    assert not body.against_setup(along)
    assert body.against_setup([shape(5.0, (0.0, 0.0, 1.0))])  # no posture change before it
