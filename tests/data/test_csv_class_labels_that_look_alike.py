"""Class labels that differ only in case stay separate classes and labels with spaces around
them join the same label without, as documented; the data set tells of both."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.data import load_dataset
from nnstudio.spec import CsvData


def labels_dataset(folder: Path, labels: list[str], **data: object):
    rows = "".join(f"{i},{label}\n" for i, label in enumerate(labels))
    (folder / "labels.csv").write_text("x,answer\n" + rows, encoding="utf-8")
    return load_dataset(CsvData(csv="labels.csv", target=("answer",), **data), folder)


def test_labels_differing_in_case_are_classes_of_their_own_and_told_of(tmp_path: Path) -> None:
    dataset = labels_dataset(tmp_path, ["yes", "no", "Yes", "yes", "NO", "no", "yes", "no"])
    assert dataset.class_names == ("NO", "Yes", "no", "yes")  # the documented order
    assert dataset.class_notes == (
        "classes 'NO' (1 row) and 'no' (3 rows) differ only in case; write them alike if they "
        "are one class",
        "classes 'Yes' (1 row) and 'yes' (3 rows) differ only in case; write them alike if "
        "they are one class",
    )


def test_a_label_with_spaces_around_it_joins_the_label_without(tmp_path: Path) -> None:
    dataset = labels_dataset(tmp_path, ["yes", "no", "yes ", "no", '" yes"', "no"])
    assert dataset.class_names == ("no", "yes")
    assert dataset.class_notes == (
        "labels 'yes ' (2 rows) are read as class 'yes' (spaces around labels are ignored)",
    )


def test_labels_all_written_alike_are_not_told_of(tmp_path: Path) -> None:
    assert labels_dataset(tmp_path, [" yes", " no", " yes", " no"]).class_notes == ()
    assert labels_dataset(tmp_path, ["yes", "no", "maybe", "no"]).class_notes == ()
    # Numbers are one class however written (1.0 is 1), as documented.
    assert labels_dataset(tmp_path, ["1", "2", " 1.0", "2"]).class_notes == ()


def test_many_look_alike_classes_are_counted_after_the_first(tmp_path: Path) -> None:
    names = ["a", "b", "c", "d", "e"]
    labels = names + [name.upper() for name in names]
    notes = labels_dataset(tmp_path, labels).class_notes
    assert len(notes) == 4
    assert notes[0].startswith("classes 'A' (1 row) and 'a' (1 row) differ only in case")
    assert notes[3] == "2 more groups of classes differ only in case"


@pytest.mark.parametrize("skip_missing", [False, True])
def test_the_rows_used_are_counted(tmp_path: Path, skip_missing: bool) -> None:
    labels = ["yes", "no", "Yes", "yes", "no", "yes"]
    rows = "".join(
        f"{'' if i == 3 and skip_missing else i},{label}\n" for i, label in enumerate(labels)
    )
    (tmp_path / "labels.csv").write_text("x,answer\n" + rows, encoding="utf-8")
    data = CsvData(csv="labels.csv", target=("answer",), skip_missing=skip_missing)
    dataset = load_dataset(data, tmp_path)
    count = 2 if skip_missing else 3
    assert dataset.class_notes[0].startswith(
        f"classes 'Yes' (1 row) and 'yes' ({count} rows) differ only in case"
    )
