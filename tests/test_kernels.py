"""The compiled kernels: a missing or stale build is refused with the fix, not run."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import analysis._kernels as kernels
from analysis._kernels import KernelNotBuilt, load
from firmware_py import cli

KERNELS = sorted(p.stem for p in Path(kernels.__file__).parent.glob("*.pyx"))


def test_every_kernel_is_built() -> None:
    assert KERNELS == ["_ahrs", "_loop", "_lowpass", "_resample"]


@pytest.mark.parametrize("name", KERNELS)
def test_the_built_kernel_matches_its_source(name: str) -> None:
    mod = load(name)
    src = Path(kernels.__file__).with_name(f"{name}.pyx").read_bytes()
    assert mod.SOURCE_SHA256 == hashlib.sha256(src).hexdigest()
    assert Path(mod.__file__).suffix != ".py"  # (compiled, not some stand-in)


def test_a_kernel_edited_since_its_build_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = Path(kernels.__file__).with_name("_resample.pyx").read_text()
    (tmp_path / "_resample.pyx").write_text(src + "\n# an edit\n")
    monkeypatch.setattr(kernels, "_HERE", tmp_path)
    with pytest.raises(KernelNotBuilt, match=r"_resample\.pyx changed.*make build"):
        load("_resample")


def test_a_kernel_never_built_is_named() -> None:
    with pytest.raises(KernelNotBuilt, match=r"analysis/_nowhere\.pyx is not built.*make build"):
        load("_nowhere")


def test_the_cli_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def stale(only: str | None = None) -> None:
        raise KernelNotBuilt("analysis/_resample.pyx changed since it was built; run `make build`")

    monkeypatch.setattr(cli, "build_parser", stale)
    assert cli.main(["analyze", "x.csv"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "make build" in err
