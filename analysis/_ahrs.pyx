# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""A live chunk's AHRS steps and speeds in C (see OrientationTracker._process_small).

Per grid sample: the speed (norm of the low-passed, bias-corrected gyro) and
one AHRS update with the bias-corrected raw gyro and the low-passed
accelerometer, then its gravity. The AHRS (``imufusion``) is still called
once a sample, but with two float32 scratch arrays filled here (its list
argument cost four times as much to convert); float32 is what it computes in,
so the values it sees are the same (tests/test_orientation.py).
"""

import numpy as np

from libc.math cimport sqrt

cdef extern from *:
    """
    #ifndef KERNEL_SOURCE_SHA256
    #define KERNEL_SOURCE_SHA256 ""
    #endif
    """
    const char* KERNEL_SOURCE_SHA256

# the sha256 of this file as built (setup.py): analysis/_kernels.py refuses a stale build
SOURCE_SHA256 = KERNEL_SOURCE_SHA256.decode()


cdef class AhrsSteps:
    """Scratch arrays for one AHRS; :meth:`run` steps it over rows ``i0:i1``."""

    cdef object _update, _gravity, _g_obj, _a_obj
    cdef float[::1] _g, _a

    def __init__(self, ahrs):
        self._update = ahrs.update_no_magnetometer
        self._gravity = ahrs.get_gravity
        self._g_obj = np.zeros(3, dtype=np.float32)
        self._a_obj = np.zeros(3, dtype=np.float32)
        self._g = self._g_obj
        self._a = self._a_obj

    def run(self, const double[:, :] lp, const double[:, :] raw, const double[::1] bias,
            Py_ssize_t i0, Py_ssize_t i1, double[:, ::1] grav, double[::1] speed):
        """Rows ``i0:i1``: ``lp`` (M, 6) low-passed (gyro, accel), ``raw`` (M, 3) gyro;
        write ``grav`` and ``speed``; return the largest speed (0.0 if none)."""
        cdef Py_ssize_t j
        cdef double bx = bias[0], by = bias[1], bz = bias[2], dx, dy, dz, top = 0.0
        for j in range(i0, i1):
            dx, dy, dz = lp[j, 0] - bx, lp[j, 1] - by, lp[j, 2] - bz
            speed[j] = sqrt(dx * dx + dy * dy + dz * dz)
            if j == i0 or speed[j] > top:
                top = speed[j]
            self._step(raw[j, 0] - bx, raw[j, 1] - by, raw[j, 2] - bz,
                       lp[j, 3], lp[j, 4], lp[j, 5], grav, j)
        return top

    def gravity(self, const double[:, :] acc, const double[:, :] raw, const double[::1] bias):
        """AHRS steps over every row: ``acc`` (M, 3) low-passed accel, ``raw`` (M, 3)
        gyro (the bias subtracted here); the (M, 3) gravity directions."""
        cdef Py_ssize_t j, m = acc.shape[0]
        out = np.empty((m, 3))
        cdef double[:, ::1] grav = out
        for j in range(m):
            self._step(raw[j, 0] - bias[0], raw[j, 1] - bias[1], raw[j, 2] - bias[2],
                       acc[j, 0], acc[j, 1], acc[j, 2], grav, j)
        return out

    cdef int _step(self, double gx, double gy, double gz, double ax, double ay, double az,
                   double[:, ::1] grav, Py_ssize_t j) except -1:
        """One AHRS update (gyro, accel as float32, what it computes in); its gravity
        into row ``j``."""
        cdef const float[::1] gv
        cdef Py_ssize_t k
        self._g[0], self._g[1], self._g[2] = <float>gx, <float>gy, <float>gz
        self._a[0], self._a[1], self._a[2] = <float>ax, <float>ay, <float>az
        self._update(self._g_obj, self._a_obj)
        gv = self._gravity()
        for k in range(3):
            grav[j, k] = gv[k]
        return 0
