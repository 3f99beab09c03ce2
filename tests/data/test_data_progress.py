"""Reading with progress: reports that only move forward, and a cancel that stops the read."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import ReadCancelled, ReadProgress, load_dataset, read_csv_table
from nnstudio.data import csv as csv_module
from nnstudio.spec import CsvData


class Recording(ReadProgress):
    """Keeps every fraction and stage reported; cancels itself after ``cancel_after`` reports."""

    def __init__(self, cancel_after: int | None = None) -> None:
        super().__init__()
        self.seen: list[tuple[float, str]] = []
        self.cancel_after = cancel_after

    def report(self, done: float, stage: str | None = None) -> None:
        super().report(done, stage)
        self.seen.append((self.fraction, self.stage))
        if self.cancel_after is not None and len(self.seen) >= self.cancel_after:
            self.cancel()


def write_numbers(path: Path, rows: int = 400, *, text_column: bool = False) -> np.ndarray:
    values = np.random.default_rng(0).integers(0, 256, size=(rows, 5))
    lines = ["a,b,c,d,label" + (",note" if text_column else "")]
    lines += [
        ",".join(str(v) for v in row) + (f",n{i}" if text_column else "")
        for i, row in enumerate(values)
    ]
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return values


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both readers report after a few rows, so a small file gives many reports."""
    monkeypatch.setattr(csv_module, "_PARSE_CELLS", 100)
    monkeypatch.setattr(csv_module, "_CHUNK_ROWS", 20)


@pytest.mark.parametrize(
    ("name", "text_column", "rows"),
    # The careful reader measures its position in the file, which moves in buffers of 8 kB.
    [("plain.csv", False, 400), ("words.csv", True, 8000), ("words.csv.gz", True, 40000)],
    ids=["numbers (fast reader)", "a text column (careful reader)", "gzip, careful reader"],
)
def test_progress_moves_forward_to_the_end(
    tmp_path: Path, small_pieces: None, name: str, text_column: bool, rows: int
) -> None:
    path = tmp_path / name
    values = write_numbers(path, rows, text_column=text_column)
    progress = Recording()
    table = read_csv_table(path, progress)
    fractions = [fraction for fraction, _ in progress.seen]
    assert fractions == sorted(fractions)
    assert len(set(fractions)) >= 10  # it moved in many steps, not just at the end
    assert 0.9 <= fractions[-1] <= 1.0
    assert all(stage for _, stage in progress.seen)
    np.testing.assert_array_equal(
        table.to_floats(("a", "b", "c", "d"), role="input"), values[:, :4]
    )


@pytest.mark.parametrize("text_column", [False, True], ids=["fast reader", "careful reader"])
def test_a_cancelled_read_stops_with_read_cancelled(
    tmp_path: Path, small_pieces: None, text_column: bool
) -> None:
    path = tmp_path / "data.csv"
    write_numbers(path, text_column=text_column)
    progress = Recording(cancel_after=3)
    with pytest.raises(ReadCancelled):
        read_csv_table(path, progress)
    # It stopped at the first report after the cancel, not at the end of the file.
    assert len(progress.seen) == 3
    assert progress.seen[-1][0] < 0.5


def test_load_dataset_reports_the_preparation_and_ends_at_one(
    tmp_path: Path, small_pieces: None
) -> None:
    path = tmp_path / "data.csv"
    write_numbers(path)
    progress = Recording()
    dataset = load_dataset(CsvData(csv=path.name, target=("label",)), tmp_path, progress)
    assert dataset.X_train.shape[0] + dataset.X_val.shape[0] == 400
    stages = [stage for _, stage in progress.seen]
    assert stages[-1] == "Preparing the examples"
    assert progress.seen[-1][0] == 1.0
    # The file's share ends where the preparation starts.
    reading = [fraction for fraction, stage in progress.seen if stage == "Reading numbers"]
    assert max(reading) <= 0.9 + 1e-12


def test_a_cancel_before_the_read_starts_reads_nothing(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    write_numbers(path)
    progress = ReadProgress()
    progress.cancel()
    assert progress.cancelled
    with pytest.raises(ReadCancelled):
        load_dataset(CsvData(csv=path.name, target=("label",)), tmp_path, progress)
    assert progress.fraction == 0.0


def test_generating_built_in_data_reports_its_stages_and_stops_when_cancelled() -> None:
    from nnstudio.spec import BuiltinData

    spec = BuiltinData(builtin="spiral", samples=2000)
    progress = Recording()
    load_dataset(spec, ".", progress)
    assert [stage for _, stage in progress.seen][:1] == ["Generating examples"]
    assert progress.seen[-1] == (1.0, "Preparing the examples")
    # Cancelled while the examples are generated (no report inside): it stops right after.
    progress = Recording(cancel_after=1)
    with pytest.raises(ReadCancelled):
        load_dataset(spec, ".", progress)
    assert len(progress.seen) == 1
