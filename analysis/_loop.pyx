# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The counter's per-sample excursion state machine in C (see analysis/core.py).

:class:`RepCounter` subclasses :class:`StateMachine`: the state the loop reads
and writes at every grid sample lives here as C fields, which the counter's
Python methods read and write as ordinary attributes. The loop calls back into
those methods for everything that happens once an excursion (starting, ending,
splitting one, the live alerts), so the rules stay in core.py and only the
per-sample arithmetic is compiled: the same IEEE operations in the same order
as Python's (setup.py builds without fused multiply-add; ``acos``, ``sqrt``
and the degree factor are libm's and CPython's), so the counts are the same.
"""

import numpy as np

from libc.math cimport acos, sqrt

from analysis.events import PhaseChanged, PostureChanged, RepStarted
from analysis.settings import RAISED_LEG_STRETCH

cdef extern from *:
    """
    #ifndef KERNEL_SOURCE_SHA256
    #define KERNEL_SOURCE_SHA256 ""
    #endif
    """
    const char* KERNEL_SOURCE_SHA256

# the sha256 of this file as built (setup.py): analysis/_kernels.py refuses a stale build
SOURCE_SHA256 = KERNEL_SOURCE_SHA256.decode()

# the counter's states (core.py uses these objects)
WAIT, REST, MOVING, UNSETTLED = "wait", "rest", "moving", "unsettled"

# as CPython's math.degrees: x * (180 / pi)
cdef double RAD_TO_DEG = 180.0 / 3.14159265358979323846


cdef class Live:
    """Live tracking of the current movement inside an excursion (for alerts)."""

    cdef public double peak_dps, trough_dps
    cdef public Py_ssize_t peak_i
    cdef public bint falling  # passed half of the peak on the way down
    cdef public long bumps_done
    cdef public long timed  # movements, without the twitches before the excursion was announced
    cdef public object first_start_s, first_end_s  # float or None
    cdef public set alerted

    def __init__(self):
        self.peak_dps = 0.0
        self.peak_i = -1
        self.falling = False
        self.trough_dps = 0.0
        self.bumps_done = 0
        self.timed = 0
        self.first_start_s = None
        self.first_end_s = None
        self.alerted = set()


cdef inline double _clamped_deg(double c) noexcept:
    """The angle (deg) whose cosine is ``c``, ``c`` clamped to [-1, 1] first."""
    return acos(-1.0 if c < -1.0 else 1.0 if c > 1.0 else c) * RAD_TO_DEG


cdef inline tuple _toward(double b0, double b1, double b2,
                         double u0, double u1, double u2, double k):
    """Unit vector a fraction ``k`` of the way from ``b`` to ``u`` (as core._toward)."""
    cdef double x = b0 + k * (u0 - b0), y = b1 + k * (u1 - b1), z = b2 + k * (u2 - b2)
    cdef double n = sqrt(x * x + y * y + z * z)
    return (x / n, y / n, z / n)


cdef inline tuple _carried(double b0, double b1, double b2, double u0, double u1,
                          double u2, double v0, double v1, double v2):
    """``b`` turned by the shortest rotation taking unit ``u`` onto unit ``v``
    (Rodrigues: b + k x b + k x (k x b) / (1 + u.v), k = u x v), normalised."""
    cdef double k0 = u1 * v2 - u2 * v1, k1 = u2 * v0 - u0 * v2, k2 = u0 * v1 - u1 * v0
    cdef double c = 1.0 + u0 * v0 + u1 * v1 + u2 * v2
    cdef double x0 = k1 * b2 - k2 * b1, x1 = k2 * b0 - k0 * b2, x2 = k0 * b1 - k1 * b0
    cdef double y0 = k1 * x2 - k2 * x1, y1 = k2 * x0 - k0 * x2, y2 = k0 * x1 - k1 * x0
    cdef double x = b0 + x0 + y0 / c, y = b1 + x1 + y1 / c, z = b2 + x2 + y2 / c
    cdef double n = sqrt(x * x + y * y + z * z)
    return (x / n, y / n, z / n)


cdef double _spread(double[::1] w) noexcept:
    """Largest minus smallest of the window's values (as max(w) - min(w))."""
    cdef double lo = w[0], hi = w[0]
    cdef Py_ssize_t k
    for k in range(1, w.shape[0]):
        if w[k] > hi:
            hi = w[k]
        if w[k] < lo:
            lo = w[k]
    return hi - lo


cdef class StateMachine:
    """The per-sample state of :class:`analysis.core.RepCounter` and its loop."""

    cdef public object state
    cdef public object _base_t, _base_s  # rest gravity direction per sensor (tuple or None)
    cdef public Py_ssize_t _still
    cdef public double _m_prev, _m_move_start
    cdef public object _still_from
    cdef public list _hist, _buf
    cdef public object _pending
    cdef public double _pending_until, _settle_until
    cdef public object _settle_from
    cdef public Live _live
    cdef public double _peak_at, _peak_as, _peak_m
    cdef public object _peak_g
    cdef public bint _been_away, _announced
    cdef public object _touch_i  # int or None
    cdef public double _touch_w
    cdef public object _prev_rest
    cdef public Py_ssize_t _exc_n0
    cdef public double _last_t
    # the previous grid sample's gravity per sensor (valid when _has_prev): a re-anchored
    # AHRS steps at rest, and a rest posture taken before the step is carried with it
    cdef public bint _has_prev
    cdef double _pt0, _pt1, _pt2, _ps0, _ps1, _ps2
    # the last band_n angles of each sensor (a ring): the "still in a narrow band" test
    cdef double[::1] _wt, _ws
    cdef Py_ssize_t _wn, _wi, _band_n

    def _init_loop(self, Py_ssize_t band_n):
        """Size the angle windows (``band_n`` samples); empty."""
        self._band_n = band_n
        self._wt = np.zeros(band_n)
        self._ws = np.zeros(band_n)
        self._wn = 0
        self._wi = 0

    def _samples(self, const double[::1] t, const double[::1] w, const double[::1] w_t,
                 const double[:, ::1] grav_t, object grav_s_obj, list events):
        """Run a calibrated block's grid samples through the state machine."""
        cdef object me = self  # (the counter: its Python methods are the callbacks)
        cdef Py_ssize_t n = t.shape[0], j, still, hold_n
        cdef bint shank = grav_s_obj is not None, is_still, near, low
        cdef const double[:, ::1] grav_s
        if shank:
            grav_s = grav_s_obj
        else:
            grav_s = grav_t  # (never read)
        s = me.s
        cdef double follow = s.baseline_follow
        cdef double shank_weight = s.shank_weight
        cdef double moving_dps = s.moving_speed_dps, rest_dps = s.rest_speed_dps
        cdef double sway_dps = s.sway_max_dps
        cdef double band_t = s.still_band_deg, band_s = 2.0 * s.still_band_deg
        cdef double back_cos = me._back_cos
        cdef double rest_deg = s.rest_angle_deg, shank_rest_deg = s.shank_rest_angle_deg
        # near-rest tolerances: return_fraction x the peak, within [rest, cap]
        cdef double ret_frac = s.return_fraction
        cdef double cap_t = 2 * rest_deg, cap_s = 2.5 * shank_rest_deg
        cdef double sag_frac = s.stretch_back_fraction
        cdef double touch_frac = s.touch_fraction, touch_away = s.touch_away_deg
        cdef double min_rom = s.min_rom_deg, min_shank_rom = s.min_shank_rom_deg
        cdef double settle = s.settle_fraction, ret_move = s.return_move_fraction
        cdef double ret_move_left = 1.0 - s.return_move_fraction
        cdef double posture_deg = s.posture_angle_deg
        cdef double settle_follow_s = s.settle_follow_s
        cdef bint settle_sinking_only = s.settle_sinking_only
        cdef double jump_cos = me._jump_cos
        cdef Py_ssize_t band_n = self._band_n
        cdef Py_ssize_t confirm_n = me._confirm_n, settle_n = me._settle_n
        cdef Py_ssize_t max_len_n = me._max_len_n
        cdef Py_ssize_t keep_hist = 2 * me._preroll_n, cut_hist = me._preroll_n
        cdef double ti, wi, wti, gx, gy, gz, sx, sy, sz, b0, b1, b2, c, at, as_, m
        cdef double tol, peak_at, peak_as, peak_m
        cdef double p0, p1, p2, bs0, bs1, bs2
        cdef double m_prev = self._m_prev, m_move_start = self._m_move_start
        cdef Live lv
        cdef list buf
        still = self._still
        still_from = self._still_from
        for j in range(n):
            ti, wi, wti = t[j], w[j], w_t[j]
            gx, gy, gz = grav_t[j, 0], grav_t[j, 1], grav_t[j, 2]
            if shank:
                sx, sy, sz = grav_s[j, 0], grav_s[j, 1], grav_s[j, 2]
            else:
                sx = sy = sz = 0.0  # (no shank: never read)
            if self._has_prev and wi < rest_dps and self.state == REST:
                # still at rest, the gravity estimate stepped: the AHRS was re-anchored
                # (the error it carried since the last movement dropped), and the rest
                # posture, taken from the same estimate, is carried with it. (So is it
                # by the first degree or two of a movement whose low-passed speed still
                # lags under rest_dps; see CoreSettings.rest_jump_deg)
                if gx * self._pt0 + gy * self._pt1 + gz * self._pt2 < jump_cos:
                    b0, b1, b2 = self._base_t
                    self._base_t = _carried(
                        b0, b1, b2, self._pt0, self._pt1, self._pt2, gx, gy, gz
                    )
                if shank and self._base_s is not None and (
                    sx * self._ps0 + sy * self._ps1 + sz * self._ps2 < jump_cos
                ):
                    bs0, bs1, bs2 = self._base_s
                    self._base_s = _carried(
                        bs0, bs1, bs2, self._ps0, self._ps1, self._ps2, sx, sy, sz
                    )
            self._pt0, self._pt1, self._pt2 = gx, gy, gz
            self._ps0, self._ps1, self._ps2 = sx, sy, sz
            self._has_prev = True
            # angles from the rest posture
            b0, b1, b2 = self._base_t
            c = gx * b0 + gy * b1 + gz * b2
            at = _clamped_deg(c)
            as_ = 0.0
            if shank and self._base_s is not None:
                bs0, bs1, bs2 = self._base_s
                c = sx * bs0 + sy * bs1 + sz * bs2
                as_ = _clamped_deg(c) * shank_weight
            m = at + as_
            # still = (nearly) no angular speed, or the angles stay in a narrow band
            self._wt[self._wi] = at
            if shank:
                self._ws[self._wi] = as_
            self._wi = (self._wi + 1) % band_n
            if self._wn < band_n:
                self._wn += 1
            if wi < rest_dps:
                is_still = True
            elif wi > sway_dps or self._wn < band_n:
                is_still = False
            else:
                is_still = _spread(self._wt) < band_t
                if is_still and shank:
                    is_still = _spread(self._ws) < band_s
                elif is_still:
                    is_still = 0.0 < band_s
            if is_still:
                still += 1
                if still == 1:  # where this still period began: the candidate rest posture
                    still_from = ((gx, gy, gz), (sx, sy, sz) if shank else None)
            else:
                if still:  # a movement begins here
                    m_move_start = m_prev
                still = 0
            m_prev = m
            state = self.state
            if state == REST:
                if (wi > moving_dps and not still) or at > rest_deg or as_ > shank_rest_deg:
                    me._start_excursion((ti, wi, at, as_, wti, gx, gy, gz))
                else:
                    self._hist.append((ti, wi, at, as_, wti, gx, gy, gz))
                    if self._pending is not None and ti > self._pending_until:
                        me._flush_pending(ti, events)
                    if self._pending is None and len(self._hist) > keep_hist:
                        del self._hist[:-cut_hist]
                    top = self._settle_from
                    if wi < rest_dps and ti < self._settle_until and (
                        top is None
                        or gx * top[0] + gy * top[1] + gz * top[2]
                        <= b0 * top[0] + b1 * top[1] + b2 * top[2]
                    ):
                        # just back from a rep: the leg may still be sinking the last
                        # degrees at a crawl; the rest posture is where it ends up
                        self._base_t = (gx, gy, gz)
                        if shank and self._base_s is not None:
                            self._base_s = (sx, sy, sz)
                    elif wi < rest_dps:
                        # still at rest: follow slow strap slip and posture creep
                        self._base_t = _toward(b0, b1, b2, gx, gy, gz, follow)
                        if shank and self._base_s is not None:
                            bs0, bs1, bs2 = self._base_s
                            self._base_s = _toward(bs0, bs1, bs2, sx, sy, sz, follow)
                continue
            if state == UNSETTLED:
                if still >= settle_n:
                    me._set_baseline((gx, gy, gz), (sx, sy, sz) if shank else None)
                    self.state = REST
                    events.append(PostureChanged(ti, at))
                continue
            # moving
            buf = self._buf
            buf.append((ti, wi, at, as_, wti, gx, gy, gz))
            # follow the current movement's speed bell; alert as soon as it is known
            lv = self._live
            if not lv.falling:
                if wi > lv.peak_dps:
                    lv.peak_dps, lv.peak_i = wi, len(buf) - 1
                elif lv.peak_dps >= moving_dps and wi < 0.5 * lv.peak_dps:
                    lv.falling = True
                    lv.trough_dps = wi
                    me._movement_known(ti, events)
            else:
                if wi < lv.trough_dps:
                    lv.trough_dps = wi
                if wi > 2.0 * lv.trough_dps and wi > moving_dps:
                    me._next_movement(ti, wi, events)
            if at > self._peak_at:
                self._peak_at = at
                self._peak_g = (gx, gy, gz)
            if as_ > self._peak_as:
                self._peak_as = as_
            if m > self._peak_m:
                self._peak_m = m
            peak_at, peak_as = self._peak_at, self._peak_as
            # back near the rest posture: within a tolerance that grows with the rep
            tol = ret_frac * peak_at
            tol = tol if tol > rest_deg else rest_deg
            near = at < (cap_t if cap_t < tol else tol)
            if near:
                tol = ret_frac * peak_as
                tol = tol if tol > shank_rest_deg else shank_rest_deg
                near = as_ < (cap_s if cap_s < tol else tol)
            low = near or m <= touch_frac * (peak_at + peak_as)
            # back-to-back reps: remember the slowest moment near rest after the leg
            # has been away; leaving rest again from there may split the excursion
            if at >= touch_away or as_ >= min_shank_rom:
                self._been_away = True
            if low:
                if self._been_away and (self._touch_i is None or wi < self._touch_w):
                    self._touch_i, self._touch_w = len(buf) - 1, wi
            elif self._touch_i is not None and me._split_at_touch(events):
                continue
            if not self._announced and (at >= min_rom or as_ >= min_shank_rom):
                self._announced = True
                events.append(RepStarted(ti))
                events.append(PhaseChanged(ti, "moving"))
            if still >= confirm_n:
                peak_m = peak_at + peak_as
                prev = self._prev_rest
                if prev is not None and gx * prev[0] + gy * prev[1] + gz * prev[2] > back_cos:
                    # back in the rest posture before the last posture change: no rep
                    me._posture_changed(
                        ti, at, (gx, gy, gz), (sx, sy, sz) if shank else None, events, True
                    )
                    continue
                if (
                    (
                        near
                        # (a held stretch sags toward rest: it must come back by some
                        # of its way, not just be within the tolerance)
                        and (
                            peak_at - at >= sag_frac * peak_at
                            or peak_at <= rest_deg  # (never out of the tolerance)
                            or me._exercise_now() != RAISED_LEG_STRETCH
                        )
                    )
                    or m <= settle * peak_m
                    or me._back_from_top((gx, gy, gz), still, as_)
                    or (m_move_start - m >= ret_move * peak_m and m <= ret_move_left * peak_m)
                ):
                    # back at rest, or came most of the way back and settled there
                    me._end_excursion("returned", ti, events)
                    # the leg settled here: the rest posture from now on (taken where
                    # the stillness began, in case the next rep is already starting)
                    me._set_baseline(*still_from)
                    if me._raise_known():
                        self._settle_until = ti + settle_follow_s
                        self._settle_from = self._peak_g if settle_sinking_only else None
                    self.state = REST
                elif at >= posture_deg or (
                    still >= (hold_n := me._max_still_n(ti))
                    and len(buf) - self._exc_n0 >= hold_n
                ):
                    # (still for that long since the excursion began, not just still)
                    me._posture_changed(
                        ti, at, (gx, gy, gz), (sx, sy, sz) if shank else None, events, False
                    )
                elif still == confirm_n and self._announced:
                    events.append(PhaseChanged(ti, "holding"))
                    # a phase ended: the next one may be too fast as well
                    self._live.alerted.discard("too_fast")
            elif len(self._buf) > max_len_n:
                me._end_excursion("too_long", ti, events)
                self.state = UNSETTLED
        self._still, self._m_prev, self._m_move_start = still, m_prev, m_move_start
        self._still_from = still_from
        if n:
            self._last_t = t[n - 1]
