# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""The speed low-pass's second-order sections in C (see analysis/lowpass.py).

Direct form II transposed, section after section, sample after sample, with
the state carried between calls: the output is the same whatever the
chunking, and the arithmetic is ``scipy.signal.sosfilt``'s (setup.py builds
without fused multiply-add; tests/test_scipy_equivalents.py compares them).
"""

import numpy as np

cdef extern from *:
    """
    #ifndef KERNEL_SOURCE_SHA256
    #define KERNEL_SOURCE_SHA256 ""
    #endif
    """
    const char* KERNEL_SOURCE_SHA256

# the sha256 of this file as built (setup.py): analysis/_kernels.py refuses a stale build
SOURCE_SHA256 = KERNEL_SOURCE_SHA256.decode()


def sos_rows(const double[:, ::1] sos, double[:, :, ::1] zi, const double[:, :] xt):
    """Filter each row of ``xt`` (K, M) through ``sos`` (S, 6); ``zi`` (K, S, 2) is
    the state, updated in place. Returns the (K, M) output."""
    cdef Py_ssize_t K = xt.shape[0], M = xt.shape[1], S = sos.shape[0], r, j, s
    cdef double x, y, b0, b1, b2, a1, a2
    if zi.shape[0] != K or zi.shape[1] != S or zi.shape[2] != 2:
        raise ValueError(f"state of shape {tuple(zi.shape)[:3]} for {K} rows, {S} sections")
    out_arr = np.empty((K, M))
    cdef double[:, ::1] out = out_arr
    for r in range(K):
        for j in range(M):
            x = xt[r, j]
            for s in range(S):
                b0, b1, b2 = sos[s, 0], sos[s, 1], sos[s, 2]
                a1, a2 = sos[s, 4], sos[s, 5]
                y = b0 * x + zi[r, s, 0]
                zi[r, s, 0] = b1 * x - a1 * y + zi[r, s, 1]
                zi[r, s, 1] = b2 * x - a2 * y
                x = y
            out[r, j] = x
    return out_arr
