# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The resampler's arithmetic in C (see analysis/resample.py for what it computes).

Every chunk, a live 0.1 s one or a whole recording, goes through the same
loops, so the grid values do not depend on the chunking. The operations and
their order are those of the plain-Python reference in tests/test_resample.py
(IEEE doubles, no fused multiply-add: setup.py builds with -ffp-contract=off),
so the bits are the same as well.
"""

import numpy as np

from libc.math cimport ceil, floor

cdef extern from *:
    """
    #ifndef KERNEL_SOURCE_SHA256
    #define KERNEL_SOURCE_SHA256 ""
    #endif
    """
    const char* KERNEL_SOURCE_SHA256

# the sha256 of this file as built (setup.py): analysis/_kernels.py refuses a stale build
SOURCE_SHA256 = KERNEL_SOURCE_SHA256.decode()


cdef class GridResampler:
    """Irregular (t, values) chunks in; (grid t_s, values, reset) blocks out."""

    cdef readonly double dt_s, max_gap_s
    cdef double origin_s, last_t
    cdef bint started, has_prev, pending_reset
    cdef long long next_k
    cdef Py_ssize_t ncols
    cdef double[::1] last_v, last_integral, prev_grid, cur

    def __init__(self, double grid_hz, double max_gap_s):
        self.dt_s = 1.0 / grid_hz
        self.max_gap_s = max_gap_s
        self.started = False

    def feed(self, t_s, values):
        """Resample one chunk; return its completed blocks as (t_s, values, reset)."""
        cdef const double[::1] t = np.ascontiguousarray(t_s, dtype=np.float64)
        cdef const double[:, ::1] v = np.ascontiguousarray(values, dtype=np.float64)
        cdef Py_ssize_t n = t.shape[0], a = 0, j
        cdef double prev
        blocks = []
        if n == 0:
            return blocks
        if v.shape[0] != n:
            raise ValueError(f"{n} timestamps but {v.shape[0]} rows of values")
        if not self.started:
            self.ncols = v.shape[1]
            self.last_v = np.empty(self.ncols)
            self.last_integral = np.empty(self.ncols)
            self.prev_grid = np.empty(self.ncols)
            self.cur = np.empty(self.ncols)
            self.origin_s = t[0]
            self._start_segment(t, v, 0, False)
            self.started = True
            a = 1
        elif v.shape[1] != self.ncols:
            raise ValueError(f"{v.shape[1]} columns, the stream began with {self.ncols}")
        # split at gaps longer than max_gap_s (also one before this chunk's first sample)
        prev = self.last_t
        for j in range(a, n):
            if t[j] - prev > self.max_gap_s:
                self._extend(t, v, a, j, blocks)
                self._start_segment(t, v, j, True)
                a = j + 1
            prev = t[j]
        self._extend(t, v, a, n, blocks)
        return blocks

    cdef void _start_segment(self, const double[::1] t, const double[:, ::1] v,
                             Py_ssize_t j, bint gap):
        cdef Py_ssize_t c
        if gap:
            self.pending_reset = True
        # the first grid time at or after t[j] anchors the segment's running integral
        self.next_k = <long long>ceil((t[j] - self.origin_s) / self.dt_s - 1e-9)
        self.has_prev = False
        self.last_t = t[j]
        for c in range(self.ncols):
            self.last_v[c] = v[j, c]
            self.last_integral[c] = 0.0

    cdef void _extend(self, const double[::1] t, const double[:, ::1] v,
                      Py_ssize_t a, Py_ssize_t b, list blocks):
        """Integrate samples a:b (after the last one) and emit the grid values they complete."""
        cdef Py_ssize_t n = b - a, j, c, lo, hi, mid, idx, row, nout
        cdef Py_ssize_t D = self.ncols
        cdef long long k, k_last, k_first
        cdef double hdt, tg, h, d, hh, x0, x1
        cdef double[::1] tt, tgo
        cdef double[:, ::1] integ, vals
        if n <= 0:
            return
        # tt = (last_t, *t[a:b]); integ[j] = the running integral at tt[j]
        tt_arr = np.empty(n + 1)
        integ_arr = np.empty((n + 1, D))
        tt = tt_arr
        integ = integ_arr
        tt[0] = self.last_t
        for j in range(n):
            tt[j + 1] = t[a + j]
        for c in range(D):
            integ[0, c] = self.last_integral[c]
        for j in range(n):
            # trapezoids: (v1 + v0) * (0.5 dt), accumulated in stream order
            hdt = 0.5 * (tt[j + 1] - tt[j])
            for c in range(D):
                x0 = self.last_v[c] if j == 0 else v[a + j - 1, c]
                integ[j + 1, c] = integ[j, c] + (v[a + j, c] + x0) * hdt
        k_last = <long long>floor((tt[n] - self.origin_s) / self.dt_s + 1e-9)
        if k_last >= self.next_k:
            k_first = self.next_k if self.has_prev else self.next_k + 1
            nout = k_last - k_first + 1
            vals_arr = np.empty((nout if nout > 0 else 0, D))
            tg_arr = np.empty(nout if nout > 0 else 0)
            vals = vals_arr
            tgo = tg_arr
            row = 0
            for k in range(self.next_k, k_last + 1):
                tg = self.origin_s + k * self.dt_s
                # bisect_right(tt, tg) - 1, within [0, n - 1]
                lo, hi = 0, n + 1
                while lo < hi:
                    mid = (lo + hi) // 2
                    if tg < tt[mid]:
                        hi = mid
                    else:
                        lo = mid + 1
                idx = lo - 1
                if idx < 0:
                    idx = 0
                if idx > n - 1:
                    idx = n - 1
                h = tg - tt[idx]
                d = tt[idx + 1] - tt[idx]
                if d <= 0:
                    d = 1.0
                hh = 0.5 * h * h
                # the running integral at tg (exact for piecewise-linear input)
                for c in range(D):
                    x0 = self.last_v[c] if idx == 0 else v[a + idx - 1, c]
                    x1 = v[a + idx, c]
                    self.cur[c] = integ[idx, c] + x0 * h + (x1 - x0) / d * hh
                if self.has_prev:
                    # an average is centred on its interval
                    for c in range(D):
                        vals[row, c] = (self.cur[c] - self.prev_grid[c]) / self.dt_s
                    tgo[row] = self.origin_s + (k - 0.5) * self.dt_s
                    row += 1
                for c in range(D):
                    self.prev_grid[c] = self.cur[c]
                self.has_prev = True
            self.next_k = k_last + 1
            if row:
                blocks.append((tg_arr, vals_arr, bool(self.pending_reset)))
                self.pending_reset = False
        self.last_t = tt[n]
        for c in range(D):
            self.last_v[c] = v[b - 1, c]
            self.last_integral[c] = integ[n, c]

