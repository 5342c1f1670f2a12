"""Exercise names, the prescription (tempo and hold rules) and the core's tuning.

The defaults are CONTRACT.md §1; a physio's prescription may change every
threshold. Tuning values are the detector's own and documented in
docs/counting.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

SEATED_LEG_RAISE = "seated_leg_raise"
SEATED_LEG_KICK = "seated_leg_kick"
RAISED_LEG_STRETCH = "raised_leg_stretch"
EXERCISES: tuple[str, ...] = (SEATED_LEG_RAISE, SEATED_LEG_KICK, RAISED_LEG_STRETCH)
AUTO = "auto"


@dataclass(frozen=True)
class Prescription:
    """What the physio prescribed: tempo/hold minimums and the target count."""

    min_lift_s: float = 1.5  # seated_leg_raise, lifting phase
    min_lower_s: float = 1.5  # seated_leg_raise, lowering phase
    min_kick_s: float = 2.5  # seated_leg_kick, whole repetition
    min_straighten_s: float = 1.5  # raised_leg_stretch, straightening phase
    min_hold_s: float = 2.0  # raised_leg_stretch, hold at full stretch
    target_reps: int = 15  # the set's goal (shown to the patient; 10-20 per the article)
    sets_per_day: int = 3  # for over-dosage warnings by the device runtime

    def with_overrides(self, **kwargs: float) -> Prescription:
        return replace(self, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Prescription:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown prescription field(s): {', '.join(sorted(unknown))}")
        return cls(**data)  # type: ignore[arg-type]


@dataclass(frozen=True)
class CoreSettings:
    """Internal tuning of the counting core (units in the names)."""

    grid_hz: float = 25.0  # everything is resampled to this uniform rate
    max_gap_s: float = 0.5  # longer gaps in the input reset the movement state
    speed_cutoff_hz: float = 3.0  # low-pass of angular speed (human motion < 3 Hz)
    min_thigh_alert_deg: float = 1.5  # with a shank: a timed movement moves the thigh too
    # calibration: the first still window gives the gyro bias and the rest posture
    still_window_s: float = 1.0
    set_gap_s: float = 30.0  # reps closer than this form a set; a lone one is not counted
    max_axis_deg: float = 45.0  # a set's reps turn the thigh about axes this close ...
    axis_free_knee_deg: float = 45.0  # ... unless both turned the knee this much
    activity_rom_deg: float = 20.0  # a non-rep movement this big is an activity (walk, sit)
    squeeze_gap_s: float = 0.5  # a rep candidate this close to one on both sides is part of it
    squeeze_max_s: float = 4.0  # ... if quicker than this (a slow one is a rep)
    pair_quick_s: float = 3.5  # a "set" of just two reps, each quicker than this: a fidget
    # ... unless, seated, both turn the thigh about the axis of a set of three or more
    # this close (a long pause split them off it); so is a lone rep; 0 = never
    seated_near_set_s: float = 90.0
    # seated, thigh alone, a set of three or more: a candidate under this x the set's
    # median ROM that tilts the thigh less than this per degree it turns is a shift
    # or a roll in the chair, not a rep (a raise or kick turns it about a level axis)
    seated_roll_rom_fraction: float = 0.35
    seated_roll_tilt_ratio: float = 0.65
    # ... and in a kick set, one under this x the median ROM that turned the thigh
    # about the set's reversed axis, swinging back less than this x its swing out
    kick_flip_rom_fraction: float = 0.5
    kick_flip_back_ratio: float = 0.2
    # seated: a small movement this soon after settling in a posture (sitting down)
    # is settling in, a shift in the chair, not a raise or a kick
    settle_in_s: float = 2.5
    settle_in_max_rom_deg: float = 6.0
    settle_in_sit_deg: float = 30.0  # ... after a posture change this big (sat down)
    settle_in_sat_max_rom_deg: float = 12.0  # ... up to this
    set_rest_max_deg: float = 40.0  # a set's reps start this close to its rest posture
    # the stretch's final review keeps no "set" of two either: sitting with the legs
    # crossed holds the thigh as the held leg is held, and comes in twos
    min_stretch_set_reps: int = 3
    stretch_near_set_s: float = 90.0  # ... unless a bigger stretch set is this close
    # a stretch set begins this soon after the leg was lifted into position (a posture
    # change this big), or follows such a set within stretch_near_set_s; 0 = no check
    stretch_lift_gap_s: float = 15.0
    stretch_lift_deg: float = 45.0
    short_set_reps: int = 3  # a seated 'set' this short ...
    short_set_max_hold_s: float = 5.0  # ... keeps no rep holding longer than this
    max_unconfirmed: int = 4  # lone reps remembered while waiting for a set to start
    max_shapes_kept: int = 100_000  # reps remembered for auto re-interpretation (~100 B each)
    max_postures_kept: int = 20  # recent posture changes remembered for recognition
    max_precal_s: float = 120.0  # samples kept (and analysed later) before calibration
    still_gyro_std_dps: float = 2.0  # of the low-passed gyro
    surely_moving_dps: float = 10.0  # a window that turned this fast is not still
    still_accel_std_g: float = 0.03  # of the low-passed accel norm
    # AHRS (imufusion) gain; low because movements are slow and gentle
    ahrs_gain: float = 0.35
    anchor_s: float = 0.2  # re-anchor the AHRS on the gravity of a still window's last 0.2 s
    anchor_max_dps: float = 4.0  # ... only if the thigh turns slower than this there
    gyro_clip_dps: float = 480.0
    # movement segmentation
    moving_speed_dps: float = 4.0  # above this (low-passed) the thigh is moving
    rest_speed_dps: float = 2.5  # below this it is still again
    slow_move_dps: float = 1.8  # an excursion with no movement above rest: their floor
    rest_confirm_s: float = 0.3  # still for this long = arrived (rest or hold)
    still_band_deg: float = 0.8  # or the thigh angle stays within this band ...
    sway_max_dps: float = 8.0  # a leg turning faster than this is not just swaying
    still_band_s: float = 0.6  # ... over this long (shank: twice the band)
    rest_angle_deg: float = 3.0  # within this of the baseline = back at rest
    shank_rest_angle_deg: float = 8.0  # the same for the shank (when present)
    baseline_follow: float = 0.003  # per still sample at rest: follows slow strap slip
    settle_fraction: float = 0.45  # still at <= this x the peak = came back (new rest)
    return_move_fraction: float = 0.3  # or its last movement came back this x the peak
    return_fraction: float = 0.25  # or within this x the rep's peak (capped at 2x)
    stretch_back_fraction: float = 0.5  # stretch: near rest counts once the leg came
    # back this x its peak (a hold sagging into the tolerance of a small rep is no return)
    back_from_top_fraction: float = 0.7  # or this x the peak away from the top, still ...
    back_still_s: float = 1.0  # ... for this long: came back to a new rest posture
    shank_back_fraction: float = 0.7  # ... and the shank back this x its peak (0: unchecked)
    min_rom_deg: float = 2.5  # smaller thigh excursions are not repetitions ...
    min_shank_rom_deg: float = 12.0  # ... unless the shank moved this much
    min_rep_knee_deg: float = 20.0  # with a shank sensor: a rep turns the shank this much
    # ... and, seated, this much further than the thigh (the knee straightens or bends;
    # crossing the legs or a shift carries the shank along with the thigh); 0 = unchecked
    seated_knee_over_thigh_deg: float = 20.0
    touch_away_deg: float = 5.0  # after this far out, slowing near rest = rep ended
    touch_fraction: float = 0.3  # "near rest" for a touch: or below this x the peak
    touch_max_dps: float = 8.0  # ... and it (nearly) stopped there
    # two reps in one excursion (the leg stopped past rest between them): cut where
    # it stopped (slower than this), if each side goes out and comes back; 0 = never
    cycle_stop_dps: float = 8.0
    cycle_stop_s: float = 0.6  # ... all this long around the cut
    # a stretch: its far end held (within held_deg for held_s), back by this x its way
    # is enough (the thigh shows little of the knee's release)
    stretch_cycle_back_fraction: float = 0.3
    stretch_cycle_held_s: float = 1.0
    stretch_cycle_held_deg: float = 1.2
    # ... held for held_s around the far point, or just before it or just after it (a
    # hold's farthest point is often its last moment, where the release begins)
    stretch_cycle_held_one_side: bool = True
    posture_rep_split: bool = True  # a rep then a stop then a posture change: cut too
    # seated: an excursion that is no rep, with the leg still this long in it (a
    # fidget in a pause moved it), is cut there if what follows is a rep; 0 = never
    shift_stop_s: float = 2.5
    # ... and so is one that is a rep as a whole (a shift in the chair, 4 s still,
    # then a kick from there made one excursion of three movements)
    shift_cut_reps: bool = True
    cycle_plateau_deg: float = 1.2  # ... and stretches of stillness (this radius) as stops
    deep_touch_fraction: float = 0.15  # (or came this close to rest: no stop needed)
    touch_rel_shank: float = 0.12  # (with a shank sensor: or slowed to this x the peak)
    min_touch_split_s: float = 1.5  # ... if the rep so far lasted this long (not gait)
    prefix_max_rom_deg: float = 8.0  # a smaller movement followed within ...
    prefix_gap_s: float = 1.0  # ... this long by another is the start of that one
    swing_lead_ratio: float = 2.0  # kick: an out-and-back, if the next is this x bigger
    max_rom_deg: float = 45.0  # larger ones are posture changes (lying down, getting up)
    standing_max_deg: float = 35.0  # a rep's rest posture this near walking's: standing
    held_min_from_standing_deg: float = 120.0  # the stretch's held leg: this far from standing
    max_body_axis_deg: float = 60.0  # rep axis vs the thigh's lateral axis (posture changes)
    max_stretch_body_axis_deg: float = 75.0  # the same for the stretch (a held leg sways)
    posture_angle_deg: float = 40.0  # still this far from rest = a new posture
    # still at rest, a step of the gravity estimate this big from one grid sample to
    # the next moves the rest posture with it; 0 = never. Mostly the AHRS re-anchored
    # (the error it carried dropped); also the first degree or two of a movement
    # that starts while the low-passed speed still lags under rest_speed_dps (taking
    # the tracker's re-anchorings alone was worse: docs/counting.md, 16th session)
    rest_jump_deg: float = 1.0
    back_to_rest_deg: float = 3.0  # still this close to the rest before it = back there
    back_min_change_deg: float = 15.0  # ... after a posture change of at least this
    min_rep_s: float = 0.8  # away from rest for less than this: not an exercise rep
    brief_knee_deg: float = 40.0  # ... unless the knee turned this much (a fast kick)
    exercise_knee_deg: float = 90.0  # a shank swing this far is no step (walking: <= 70)
    max_unexplained_away_s: float = 1.5  # away from rest this much longer than moving,
    restless_min_rom_deg: float = 20.0  # with big swings: walking, not a rep
    max_rep_s: float = 25.0  # excursions longer than this are not repetitions
    max_hold_s: float = 12.0  # still away from rest longer than this = new posture
    max_kick_still_s: float = 3.0  # ... in a kick set (a kick holds nowhere)
    max_seated_hold_s: float = 8.0  # seated exercises have no prescribed hold: longer = not a rep
    max_kick_rom_deg: float = 33.0  # thigh ROM of a kick at most
    max_stretch_rom_deg: float = 30.0  # ... of the stretch's held thigh at most
    cross_max_tilt_ratio: float = 0.82  # seated: tilting less per degree turned ...
    stretch_cross_tilt_ratio: float = 0.6  # (stretch mode: the held thigh tilts more)
    cross_min_hold_s: float = 3.5  # ... and held longer ...
    cross_min_rom_deg: float = 12.0  # ... and lifted this far = crossing the legs
    min_movement_s: float = 0.3  # movements quicker than this are jiggling
    gait_bumps: int = 4  # this many movements ...
    gait_movement_s: float = 0.8  # ... each quicker than this = walking
    min_tilt_ratio: float = 0.45  # thigh rotation that hardly tilts it = turning ...
    min_turn_check_shank_deg: float = 20.0  # ... unless the knee clearly moved
    max_one_move_rom_deg: float = 28.0  # a rep this big is two movements (out, back)
    max_bumps: int = 5  # major movements inside one rep (lift, adjust, lower ...)
    # an excursion turned away as one big swing that holds four quick steps among its
    # speed bumps was walking too: its rest posture is standing
    swing_walks: bool = True
    axis_chain: bool = True  # review: a rep agreeing with one on the set axis is on it
    max_stretch_bumps: int = 7  # ... in a stretch rep (the held thigh sways in the hands)
    major_bump_ratio: float = 0.25  # a movement this fraction of the fastest is major
    min_bump_angle_fraction: float = 0.15  # a movement must change the angle this x ROM
    bump_split_ratio: float = 0.35  # a dip below this x the smaller peak splits bumps
    settle_follow_s: float = 1.5  # raise: after a rep the rest posture follows the leg
    # at once for this long while it is slow (the last degrees of a lowering, at a crawl)
    settle_sinking_only: bool = True  # ... only while it sinks away from the rep's top
    posture_settle_s: float = 2.0  # ... and so after a posture change (sitting down)
    rebaseline_still_s: float = 2.0  # a new still posture this long becomes the baseline
    shank_weight: float = 1.0
