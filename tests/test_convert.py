"""``glidecount convert`` and sensors.datasets on the real data in shared/data."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from firmware_py.cli import main
from firmware_py.commands.convert import DEFAULT_DATA_ROOT, INDEX_COLUMNS
from sensors import datasets as ds
from sensors.errors import UserError
from sensors.recording import STANDARD_GRAVITY_MS2, read_recording

DATA = DEFAULT_DATA_ROOT
YB = DATA / ds.YURTMAN_DIR
needs_data = pytest.mark.skipif(not YB.is_dir(), reason=f"shared data not present at {DATA}")


def source_table(path: Path, sep: str = ";") -> pd.DataFrame:
    """A source file read independently of sensors.datasets."""
    return pd.read_csv(path, sep=sep)


def read_index(out: Path) -> list[dict[str, str]]:
    with open(out / "index.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def s1e1(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if not YB.is_dir():
        pytest.skip(f"shared data not present at {DATA}")
    out = tmp_path_factory.mktemp("conv")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(["convert", "--dataset", "yurtman", "--subject", "s1", "--exercise", "e1",
                   "--out", str(out)])  # fmt: skip
    assert rc == 0
    return out, buf.getvalue()


# --------------------------------------------------------------------------- Yurtman s1 e1


def test_files_index_and_summary(s1e1: tuple[Path, str]) -> None:
    out, stdout = s1e1
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "index.csv",
        "yurtman_s1_e1_template.csv",
        "yurtman_s1_e1_template.csv.truth.json",
        "yurtman_s1_e1_test.csv",
        "yurtman_s1_e1_test.csv.truth.json",
    ]
    index = read_index(out)
    assert list(index[0]) == list(INDEX_COLUMNS)
    by_file = {r["file"]: r for r in index}
    test = by_file["yurtman_s1_e1_test.csv"]
    assert test["source"] == "yurtman-barshan"
    assert (test["subject"], test["session"]) == ("s1", "test")
    assert test["dataset_exercise"] == "seated_knee_extension"
    assert (test["expected_count"], test["has_shank"]) == ("30", "1")
    assert float(test["rate_hz"]) == 25.0
    assert by_file["yurtman_s1_e1_template.csv"]["expected_count"] == "9"
    summary = [line for line in stdout.splitlines() if line.startswith("yurtman:")]
    assert len(summary) == 1 and "2 files" in summary[0]


@pytest.mark.parametrize(
    "session,fname", [("test", "test.txt"), ("template", "template_session.txt")]
)
def test_samples_units_and_shank_alignment(
    s1e1: tuple[Path, str], session: str, fname: str
) -> None:
    out, _ = s1e1
    rec = read_recording(out / f"yurtman_s1_e1_{session}.csv")
    thigh = source_table(YB / "s1" / "e1" / "u3" / fname)
    shank = source_table(YB / "s1" / "e1" / "u2" / fname)
    assert len(rec.chunk) == len(thigh) == len(shank)
    np.testing.assert_allclose(rec.chunk.t_s, (thigh["time index"] - 1) / 25.0, atol=5e-7)
    assert rec.rate_hz == pytest.approx(25.0)
    # m/s^2 -> g and rad/s -> deg/s, within the writer's printed precision
    acc = thigh[["acc_x", "acc_y", "acc_z"]].to_numpy() / STANDARD_GRAVITY_MS2
    gyr = np.degrees(thigh[["gyr_x", "gyr_y", "gyr_z"]].to_numpy())
    np.testing.assert_allclose(rec.chunk.accel_g, acc, atol=6e-7)
    np.testing.assert_allclose(rec.chunk.gyro_dps, gyr, atol=6e-5)
    s_acc = shank[["acc_x", "acc_y", "acc_z"]].to_numpy() / STANDARD_GRAVITY_MS2
    s_gyr = np.degrees(shank[["gyr_x", "gyr_y", "gyr_z"]].to_numpy())
    assert rec.chunk.has_shank
    np.testing.assert_allclose(rec.chunk.shank_accel_g, s_acc, atol=6e-7)
    np.testing.assert_allclose(rec.chunk.shank_gyro_dps, s_gyr, atol=6e-5)
    # the thigh is at rest in the first second (the set starts still): |a| about 1 g
    first_s = rec.chunk.t_s < 1.0
    mag_g = np.linalg.norm(rec.chunk.accel_g[first_s], axis=1)
    assert np.all(np.abs(mag_g - 1.0) < 0.05), mag_g
    assert np.abs(rec.chunk.gyro_dps[first_s]).max() < 10.0
    # and the median over the whole session is still about 1 g
    assert np.median(np.linalg.norm(rec.chunk.accel_g, axis=1)) == pytest.approx(1.0, abs=0.03)


def test_metadata(s1e1: tuple[Path, str]) -> None:
    out, _ = s1e1
    meta = read_recording(out / "yurtman_s1_e1_test.csv").metadata
    assert {k: meta[k] for k in (
        "source", "subject", "exercise_code", "session", "rate_hz", "leg", "expected_reps",
        "dataset_exercise",
    )} == {
        "source": "yurtman-barshan", "subject": "s1", "exercise_code": "e1", "session": "test",
        "rate_hz": "25", "leg": "right", "expected_reps": "30",
        "dataset_exercise": "seated_knee_extension",
    }  # fmt: skip
    assert "exercise" not in meta  # a knee extension is none of CONTRACT §1's three
    assert meta["truth"] == "yurtman_s1_e1_test.csv.truth.json"
    template = read_recording(out / "yurtman_s1_e1_template.csv").metadata
    assert (template["session"], template["expected_reps"]) == ("template", "9")


def test_truth_sidecar_s1(s1e1: tuple[Path, str]) -> None:
    out, _ = s1e1
    truth = json.loads((out / "yurtman_s1_e1_test.csv.truth.json").read_text(encoding="utf-8"))
    assert truth["exercise"] is None
    assert truth["expected_count"] == 30
    reps = truth["reps"]
    assert len(reps) == 30
    kinds = ["correct"] * 10 + ["fast"] * 10 + ["low_amplitude"] * 10
    assert [r["execution"] for r in reps] == kinds
    assert [r["too_fast"] for r in reps] == [False] * 10 + [True] * 10 + [False] * 10
    # 1-based inclusive sample indices -> seconds on the file's own t_s clock
    src = pd.read_csv(YB / "s1" / "e1" / "test_rep_boundaries_unofficial_LiamCHayes.csv")
    np.testing.assert_allclose([r["start_s"] for r in reps], (src["start"] - 1) / 25.0)
    np.testing.assert_allclose([r["end_s"] for r in reps], (src["end"] - 1) / 25.0)
    assert reps[0]["start_s"] == 2.0  # sample 51
    t_end = read_recording(out / "yurtman_s1_e1_test.csv").chunk.t_s[-1]
    starts = np.array([r["start_s"] for r in reps])
    ends = np.array([r["end_s"] for r in reps])
    assert np.all(starts < ends) and np.all(ends[:-1] <= starts[1:]) and ends[-1] <= t_end
    # fast reps are shorter than correct ones
    assert np.median((ends - starts)[10:20]) < 0.6 * np.median((ends - starts)[:10])


def test_truth_sidecar_template(s1e1: tuple[Path, str]) -> None:
    out, _ = s1e1
    truth = json.loads((out / "yurtman_s1_e1_template.csv.truth.json").read_text())
    assert truth["expected_count"] == 9
    assert truth["reps"] == []  # count-only truth: len(reps) != expected_count
    assert truth["reps_source"] is None
    assert truth["execution_counts"] == {"correct": 3, "fast": 3, "low_amplitude": 3}
    assert [r["execution"] for r in truth["template_reps"]] == ["correct", "fast", "low_amplitude"]
    assert truth["template_reps"][0]["start_s"] == pytest.approx((313.5 - 1) / 25)


@needs_data
def test_other_subjects_have_count_only(tmp_path: Path) -> None:
    item = ds.load_yurtman(YB, "s2", "e5", "test")
    assert item.truth["expected_count"] == 30
    assert item.truth["reps"] == [] and item.truth["reps_source"] is None
    assert item.truth["execution_counts"] == {"correct": 10, "fast": 10, "low_amplitude": 10}
    assert item.name == "yurtman_s2_e5_test"
    assert item.source_rows == len(source_table(YB / "s2" / "e5" / "u3" / "test.txt"))


# --------------------------------------------------------------------------- everything


@needs_data
def test_convert_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", "--out", str(tmp_path)]) == 0
    stdout = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in stdout[:5]] == [
        "yurtman", "hugadb", "eurobench", "mex", "cmu",
    ]  # fmt: skip
    assert "skipped" in stdout[3] and "gyroscope" in stdout[3]
    assert "quality warning: eurobench_03_5sts_01" in stdout[2]
    index = read_index(tmp_path)
    sources = [r["source"] for r in index]
    assert sources.count("yurtman-barshan") == 4 * 4 * 2
    assert sources.count("hugadb") == 2
    assert sources.count("eurobench-5sts") == 3
    assert len({r["file"] for r in index}) == len(index)
    for row in index:
        rec = read_recording(tmp_path / row["file"])
        assert len(rec.chunk) == int(row["samples"])
        assert rec.chunk.has_shank == (row["has_shank"] == "1")
        truth = json.loads((tmp_path / row["truth"]).read_text())
        assert truth["expected_count"] == int(row["expected_count"])
        assert rec.metadata["expected_reps"] == row["expected_count"]
        # units right everywhere: the thigh reads about 1 g for most of the file, except
        # eurobench subject 03 whose IMUs read 1.3 g (source problem): flagged, not hidden
        median_g = np.median(np.linalg.norm(rec.chunk.accel_g, axis=1))
        flagged = "quality_warning" in rec.metadata
        assert flagged == (row["file"] == "eurobench_03_5sts_01.csv"), row["file"]
        assert flagged == ("quality_warning" in truth)
        assert (0.9 < median_g < 1.1) != flagged, row["file"]
    assert sum(int(r["expected_count"]) for r in index if r["session"] == "test") == 16 * 30


@needs_data
def test_hugadb(tmp_path: Path) -> None:
    assert main(["convert", "--dataset", "hugadb", "--out", str(tmp_path)]) == 0
    src = pd.read_csv(DATA / ds.HUGADB_DIR / ds.HUGADB_FILE, sep="\t", skiprows=3)
    right = read_recording(tmp_path / "hugadb_various_01_00_right.csv")
    assert len(right.chunk) == len(src) == 3142
    np.testing.assert_allclose(right.chunk.accel_g[:, 2], src["acc_rt_z"] / 16384, atol=6e-7)
    gyr_dps = src["gyro_rt_x"] * 2000 / 32768
    np.testing.assert_allclose(right.chunk.gyro_dps[:, 0], gyr_dps, atol=6e-5)
    np.testing.assert_allclose(right.chunk.shank_accel_g[:, 0], src["acc_rs_x"] / 16384, atol=6e-7)
    assert right.rate_hz == pytest.approx(58.8, abs=0.1)
    left = read_recording(tmp_path / "hugadb_various_01_00_left.csv")
    np.testing.assert_allclose(left.chunk.accel_g[:, 0], src["acc_lt_x"] / 16384, atol=6e-7)
    truth = json.loads((tmp_path / "hugadb_various_01_00_right.csv.truth.json").read_text())
    assert (truth["expected_count"], truth["reps"]) == (0, [])
    assert truth["other_movements"] == {"standing_up": 4, "sitting_down": 4}
    labels = [a["label"] for a in truth["activities"]]
    assert labels[:4] == ["sitting", "standing_up", "standing", "sitting_down"]
    assert truth["activities"][-1]["end_s"] == pytest.approx(3142 / ds.HUGADB_RATE_HZ, abs=1e-3)


@needs_data
def test_eurobench(tmp_path: Path) -> None:
    assert main(["convert", "--dataset", "eurobench", "--out", str(tmp_path)]) == 0
    src = pd.read_csv(DATA / ds.EUROBENCH_DIR / "subject_02_5sts_chair_raw_01.csv")
    rec = read_recording(tmp_path / "eurobench_02_5sts_01.csv")
    assert len(rec.chunk) == len(src)
    assert not rec.chunk.has_shank
    np.testing.assert_allclose(rec.chunk.t_s, src["time"], atol=5e-7)  # jitter kept as given
    np.testing.assert_allclose(rec.chunk.accel_g, src[["Ax3", "Ay3", "Az3"]] / 9.80665, atol=6e-7)
    np.testing.assert_allclose(rec.chunk.gyro_dps, src[["Gx3", "Gy3", "Gz3"]], atol=6e-5)
    truth = json.loads((tmp_path / "eurobench_02_5sts_01.csv.truth.json").read_text())
    assert (truth["expected_count"], truth["reps"]) == (0, [])
    assert truth["other_movements"] == {"sit_to_stand": 5}


@needs_data
def test_index_is_merged_across_runs(tmp_path: Path) -> None:
    assert main(["convert", "--dataset", "hugadb", "--out", str(tmp_path)]) == 0
    assert main(["convert", "--dataset", "eurobench", "--out", str(tmp_path)]) == 0
    assert main(["convert", "--dataset", "hugadb", "--out", str(tmp_path)]) == 0  # rewrite
    files = [r["file"] for r in read_index(tmp_path)]
    assert len(files) == len(set(files)) == 5
    (tmp_path / "eurobench_01_5sts_01.csv").unlink()  # a file gone since: its row goes too
    assert main(["convert", "--dataset", "mex", "--out", str(tmp_path)]) == 0
    assert len(read_index(tmp_path)) == 4


@needs_data
def test_mex_is_skipped_with_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", "--dataset", "mex", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("mex: skipped") and "no gyroscope" in out
    assert read_index(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.csv"]


# --------------------------------------------------------------------------- bad input


def test_missing_data_root(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nothing-here"
    assert main(["convert", "--data-root", str(missing), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(missing) in err[0] and "no such directory" in err[0]


def test_missing_dataset_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "data").mkdir()
    rc = main(["convert", "--dataset", "hugadb", "--data-root", str(tmp_path / "data"),
               "--out", str(tmp_path / "o")])  # fmt: skip
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert str(tmp_path / "data" / ds.HUGADB_DIR) in err and "\n" not in err


def test_data_root_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "f.txt"
    f.write_text("x")
    assert main(["convert", "--data-root", str(f), "--out", str(tmp_path / "o")]) == 2
    assert "not a directory" in capsys.readouterr().err


def fake_yurtman(root: Path, n: int = 20, shank_n: int | None = None) -> Path:
    """A tiny s1/e1 tree in the source layout (semicolons, CRLF, 1-based index)."""
    header = "time index;acc_x;acc_y;acc_z;gyr_x;gyr_y;gyr_z;mag_x;mag_y;mag_z"
    for unit, rows in (("u3", n), ("u2", shank_n or n)):
        for fname in ("test.txt", "template_session.txt"):
            d = root / "s1" / "e1" / unit
            d.mkdir(parents=True, exist_ok=True)
            lines = [header] + [f"{i};0;9.80665;0;{math.pi};0;0;0;0;1" for i in range(1, rows + 1)]
            (d / fname).write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return root


def test_loader_on_a_synthetic_tree(tmp_path: Path) -> None:
    root = fake_yurtman(tmp_path / "yb")
    item = ds.load_yurtman(root, "s1", "e1", "test")
    assert len(item.chunk) == 20
    np.testing.assert_allclose(item.chunk.accel_g[0], [0, 1, 0])
    np.testing.assert_allclose(item.chunk.gyro_dps[0], [180, 0, 0])
    np.testing.assert_allclose(item.chunk.t_s[:3], [0, 0.04, 0.08])
    assert item.truth["reps"] == []  # no boundaries file in this tree


def test_shank_length_mismatch_is_refused(tmp_path: Path) -> None:
    root = fake_yurtman(tmp_path / "yb", n=20, shank_n=19)
    with pytest.raises(ds.DatasetError) as info:
        ds.load_yurtman(root, "s1", "e1", "test")
    assert "u2" in str(info.value) and "19 samples" in str(info.value)


def test_corrupt_source_row_is_refused(tmp_path: Path) -> None:
    root = fake_yurtman(tmp_path / "yb")
    path = root / "s1" / "e1" / "u3" / "test.txt"
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b"\r\n5;0;9.80665;0;", b"\r\n5;0;oops;0;"))
    assert path.read_bytes() != raw
    with pytest.raises(UserError) as info:
        ds.load_yurtman(root, "s1", "e1", "test")
    assert str(info.value) == f"{path}: data row 5, column 'acc_y' is not a finite number: 'oops'"


def test_missing_unit_file_is_refused(tmp_path: Path) -> None:
    root = fake_yurtman(tmp_path / "yb")
    shutil.rmtree(root / "s1" / "e1" / "u2")
    with pytest.raises(ds.DatasetError, match="u2.*missing file"):
        ds.load_yurtman(root, "s1", "e1", "template")


def test_bad_boundaries_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text('"rep.number","execution.type","start","end"\n1,4,10,20\n')
    with pytest.raises(ds.DatasetError, match="execution types"):
        ds.read_yurtman_boundaries(path)
    path.write_text('"rep.number","execution.type","start","end"\n1,1,30,20\n')
    with pytest.raises(ds.DatasetError):
        ds.read_yurtman_boundaries(path)
