"""The compiled kernels (Cython): the core's per-sample loops that Python is too slow for.

Built by ``pip install`` (``make`` runs it); ``make build`` rebuilds them in place
after an edit. Each kernel carries the sha256 of its source, so a stale build is
refused at import (analysis/_kernels.py). ``-ffp-contract=off``: no fused
multiply-add, so the compiled arithmetic rounds as Python's does (the tests
compare the two bit for bit).
"""

import hashlib
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

FLAGS = ["-O2", "-ffp-contract=off"]
KERNELS = ["_resample", "_lowpass", "_loop", "_ahrs"]


def kernel(name: str) -> Extension:
    src = Path("analysis") / f"{name}.pyx"
    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    return Extension(
        f"analysis.{name}",
        [str(src)],
        extra_compile_args=FLAGS,
        define_macros=[("KERNEL_SOURCE_SHA256", f'"{sha}"')],
    )


# force: regenerate the C every build (a checkout can leave a .pyx older than a
# stale .c; the build is seconds, and `make build` runs it only after an edit)
setup(ext_modules=cythonize([kernel(k) for k in KERNELS], language_level=3, quiet=True, force=True))
