"""The counting core: IMU samples in, repetitions and alerts out.

Pure: no I/O, no clock, no MQTT. Start with :class:`analysis.core.RepCounter`
(streaming) or :func:`analysis.offline.analyze_chunk` (a whole recording);
thresholds live in :mod:`analysis.settings`. See docs/counting.md.
"""
