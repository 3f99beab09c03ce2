"""Data for training: built-in generators, CSV files and the :class:`Dataset` they produce.

``load_dataset(spec, base_dir)`` turns a project's data spec into a :class:`Dataset`; the
studio's import dialog uses :func:`read_csv_table` to preview a file and pick its columns.
This package never imports Qt.
"""

from __future__ import annotations

from pathlib import Path

from nnstudio.data.csv import (
    FLOAT32_MAX,
    MAX_CLASSES,
    CsvTable,
    MissingValues,
    examples_from_table,
    float32_problem,
    mostly_numbers,
    read_csv_table,
)
from nnstudio.data.dataset import (
    Dataset,
    build_dataset,
    fit_standardization,
    image_shape_of,
    plane_feature_columns,
    skipped_lines_text,
)
from nnstudio.data.generators import GeneratedData, generate
from nnstudio.data.progress import ReadCancelled, ReadProgress
from nnstudio.errors import DataError
from nnstudio.spec import BuiltinData, CsvData, DataSpec, plane_features_read

__all__ = [
    "FLOAT32_MAX",
    "MAX_CLASSES",
    "CsvTable",
    "Dataset",
    "GeneratedData",
    "MissingValues",
    "ReadCancelled",
    "ReadProgress",
    "dataset_from_table",
    "fit_standardization",
    "float32_problem",
    "generate",
    "image_shape_of",
    "load_dataset",
    "mostly_numbers",
    "plane_feature_columns",
    "read_csv_dataset",
    "read_csv_table",
    "resolve_csv_path",
    "skipped_lines_text",
]


def resolve_csv_path(spec: CsvData, base_dir: str | Path) -> Path:
    """The CSV file a spec refers to: absolute, or relative to the project's folder.

    Parameters
    ----------
    spec : CsvData
    base_dir : str or Path
        Folder of the project file (relative paths in a project are relative to it).
    """
    path = Path(spec.csv).expanduser()
    return path if path.is_absolute() else Path(base_dir) / path


def load_dataset(
    spec: DataSpec, base_dir: str | Path = ".", progress: ReadProgress | None = None
) -> Dataset:
    """Generate or read the examples a project describes and split them.

    Parameters
    ----------
    spec : BuiltinData or CsvData
        The project's data section.
    base_dir : str or Path
        Folder that relative CSV paths are resolved against (the project file's folder).
    progress : ReadProgress, optional
        Told how far reading a CSV file has come; cancelling it stops the read with
        :class:`ReadCancelled`.

    Returns
    -------
    Dataset
        Raw float64 inputs, one-hot (classification) or numeric (regression) targets, split
        into training and validation rows by a permutation seeded with ``spec.seed``, with a
        :class:`~nnstudio.spec.Standardization` fitted on the training rows when
        ``spec.standardize`` is set.

    Raises
    ------
    DataError
        When the file cannot be read or its contents do not fit the spec; the message names
        the file, line and column.
    ReadCancelled
        When ``progress`` was cancelled.
    """
    if isinstance(spec, BuiltinData):
        if progress is not None:
            progress.part(0.0, 0.5, "Generating examples")
        data = generate(spec.builtin, spec.samples, spec.noise, spec.seed, arms=spec.arms)
        if progress is not None:
            progress.part(0.5, 1.0, "Preparing the examples")  # a cancel meanwhile stops here
        dataset = build_dataset(
            data.X,
            data.y,
            task=data.task,
            feature_names=data.feature_names,
            target_names=data.target_names,
            validation_fraction=spec.validation_fraction,
            seed=spec.seed,
            standardize=spec.standardize,
            source=f"built-in {spec.builtin}",
            plane_features=plane_features_read(spec),
        )
        if progress is not None:
            progress.report(1.0)
        return dataset
    if isinstance(spec, CsvData):
        return read_csv_dataset(spec, base_dir, progress)[1]
    raise DataError(f"unsupported data specification {type(spec).__name__}")


def read_csv_dataset(
    spec: CsvData, base_dir: str | Path = ".", progress: ReadProgress | None = None
) -> tuple[CsvTable, Dataset]:
    """Read the CSV file a spec names and build its data set.

    Returns the table too, for messages that name a file's line (see
    :func:`float32_problem`). ``progress`` is told how far reading has come (nine tenths of
    the work) and when the examples are being prepared (the rest).

    Raises
    ------
    DataError
        As :func:`load_dataset`.
    ReadCancelled
        When ``progress`` was cancelled.
    """
    path = resolve_csv_path(spec, base_dir)
    # The first line as the project says (a header, none, or guessed): a file imported
    # without a header would otherwise lose its first example to column names.
    if progress is None:
        table = read_csv_table(path, header=spec.header, decimal_comma=spec.decimal_comma)
        return table, dataset_from_table(table, spec, source=path.name)
    with progress.share(0.0, 0.9):
        table = read_csv_table(path, progress, header=spec.header, decimal_comma=spec.decimal_comma)
    progress.part(0.9, 1.0, "Preparing the examples")
    dataset = dataset_from_table(table, spec, source=path.name)
    progress.report(1.0)
    return table, dataset


def dataset_from_table(table: CsvTable, spec: CsvData, *, source: str) -> Dataset:
    """Build the data set a CSV spec describes from an already-read table.

    Parameters
    ----------
    table : CsvTable
        The file's contents (see :func:`read_csv_table`).
    spec : CsvData
        Target and feature columns, task, split, standardisation and whether rows with
        missing values are skipped.
    source : str
        Where the rows came from (shown to the user, e.g. the file name).
    """
    examples = examples_from_table(
        table, spec.target, spec.task, spec.features, skip_missing=spec.skip_missing
    )
    return build_dataset(
        examples.X,
        examples.y,
        task=spec.task,
        feature_names=examples.feature_names,
        target_names=examples.target_names,
        validation_fraction=spec.validation_fraction,
        seed=spec.seed,
        standardize=spec.standardize,
        source=source,
        skipped_lines=examples.skipped_lines,
        class_notes=examples.class_notes,
        decimal_comma=table.decimal_comma,
    )
