"""Counting on real recordings: Yurtman & Barshan seated knee extensions (issue 3 target).

Each test session holds 30 reps (10 correct, 10 fast, 10 low-amplitude). With
thigh + shank the count must be within 1 of 30 on every subject, with the thigh
alone within 2. A rule tuned on simulated data alone can break real data (a
rule against crossed legs once dropped a third of a subject's reps): this is the
guard. The full table is ``benchmarks/real_yurtman.py``.
"""

from __future__ import annotations

import pytest

from analysis.offline import analyze_chunk
from firmware_py.commands.convert import DEFAULT_DATA_ROOT
from sensors.chunk import ImuChunk
from sensors.datasets import load_yurtman


@pytest.mark.parametrize("subject", ["s1", "s2", "s3", "s4"])
def test_knee_extensions_are_counted(subject: str) -> None:
    root = DEFAULT_DATA_ROOT / "yurtman-barshan-physical-therapy"
    conv = load_yurtman(root, subject, "e1", "test")
    c = conv.chunk
    assert c.has_shank
    both = analyze_chunk(c, "seated_leg_raise").summary.count
    alone = analyze_chunk(ImuChunk(c.t_s, c.accel_g, c.gyro_dps), "seated_leg_raise").summary.count
    assert abs(both - 30) <= 1, both
    assert abs(alone - 30) <= 2, alone
