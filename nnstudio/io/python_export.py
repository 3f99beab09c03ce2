"""Python export: one NumPy-only module with the trained weights written inline.

The generated file defines ``predict(X)`` (probabilities, scores or values for raw features
shaped ``(m, n_features)``), ``predict_labels(X)`` (class names, for classifiers), the constants
``FEATURE_NAMES`` and ``OUTPUT_NAMES``, and a command-line entry point that prints predictions
for a CSV file. When the regression targets were standardised for training, ``predict`` scales
the network's outputs back to the targets' units. When the network reads features of a plane's
points (``x1^2``, ``sin(x1)``, ...), ``features_from_points(points)`` computes them and the
command line computes them from columns ``x1`` and ``x2``, as ``nnstudio predict`` does.

Weights appear as nested lists whose numbers are written with the fewest digits that give back
the same float32 (or float64) values, so the module reproduces the trained network exactly
while staying readable. Names (of the project, features and classes) only ever appear in the
source as ``repr`` literals or in the module docstring, escaped, so any name gives a module
that compiles.
"""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np

import nnstudio
from nnstudio.io._model_meta import (
    ModelDescription,
    describe_model,
    docstring_body,
    module_name_hint,
    output_path,
    point_feature_code,
    python_array,
    python_tuple,
    require_python_suffix,
    visible_text,
    wrap_paragraphs,
)
from nnstudio.io.weights import atomic_write_text
from nnstudio.spec import Project, Weights
from nnstudio.text import plural


def export_python(project: Project, weights: Weights, path: Path) -> list[Path]:
    """Write a self-contained NumPy module that runs the trained network.

    Parameters
    ----------
    project : Project
    weights : Weights
        One ``(W, b)`` pair per layer, ``W`` shaped (fan_in, fan_out).
    path : Path
        The ``.py`` file to write (``.py`` is added when there is no suffix; a directory
        receives ``<project name>.py``).

    Returns
    -------
    list of Path
        The written file.

    Raises
    ------
    ProjectFileError
        When the path does not end in ``.py``, the weights do not fit the network, or the
        file cannot be written.
    """
    target = require_python_suffix(output_path(path, ".py", project.name), "Python")
    model = describe_model(project, weights)
    atomic_write_text(target, python_module_source(model, target))
    return [target]


def python_module_source(model: ModelDescription, target: Path) -> str:
    """The source of the generated NumPy module that will live at ``target``."""
    module = module_name_hint(target)
    names = ["predict", "predict_labels"]
    if model.plane_features is not None:
        names.insert(0, "features_from_points")
    if module:
        import_line = f"from {module} import {', '.join(names)}"
    else:
        import_line = (
            f"import runpy\n    namespace = runpy.run_path({target.name!r})\n"
            f"    {', '.join(names)} = {', '.join(f'namespace[{name!r}]' for name in names)}"
        )
    if model.standardization is not None:
        scaling = "They are standardised inside predict() with the training statistics."
    else:
        scaling = "They are used as given (the project does not standardise its inputs)."
    outputs = f"predict(X) returns {model.output_meaning()}."
    if model.target_standardization is not None:
        outputs += (
            " The network learnt standardised targets; predict() scales its outputs back to the "
            "targets' units with the training statistics."
        )
    summary = wrap_paragraphs(
        f"Project {model.name!r}: a {model.architecture} {model.task} network.",
        f"Inputs are raw features, in this order: {', '.join(model.feature_labels())}. {scaling}",
        *([_points_paragraph(model)] if model.plane_features is not None else []),
        outputs,
    )
    docstring = _DOCSTRING.substitute(
        version=nnstudio.__version__,
        summary=summary,
        import_line=import_line,
        points_usage=_POINTS_USAGE if model.plane_features is not None else "",
        n_features=model.n_features,
        file_name=visible_text(target.name),
        input_file=input_file_text(model),
    )
    dtype = "float64" if model.layers[0].weight.dtype == np.float64 else "float32"
    return _TEMPLATE.substitute(
        docstring=docstring_body(docstring),
        n_features=model.n_features,
        x_meaning=_x_meaning(model),
        name_repr=repr(model.name),
        task_repr=repr(model.task),
        feature_names=python_tuple(model.feature_labels()),
        output_names=python_tuple(model.output_labels()),
        activations=python_tuple(model.activations),
        alphas=python_tuple(model.alphas),
        standardization=_standardization_source(model),
        target_standardization=_target_standardization_source(model),
        target_scaling=_target_scaling_source(model),
        layers=_layers_source(model, dtype),
        n_outputs=model.n_outputs,
        layer_names=_layer_tuple(len(model.layers)),
        points=_points_source(model.plane_features, "np"),
        csv_reading=csv_reading_code(
            model.plane_features is not None, model.decimal_comma, model.header
        ),
        column_prefix=model.column_prefix,
        main_code=MAIN_CODE,
    )


def input_file_text(model: ModelDescription) -> str:
    """What the generated docstrings say of the CSV file their command line reads."""
    if model.header is False:
        return (
            "a CSV file without a header row, laid out as the project's data: the features\n"
            "are taken by position, as nnstudio predict takes them"
        )
    return "a CSV file whose header row names the features"


def points_paragraph(model: ModelDescription, function: str) -> str:
    """The docstring paragraph of a module whose network reads features of a plane's points."""
    assert model.plane_features is not None
    return (
        f"These are features of points (x1, x2): {function} computes them, and a CSV file may "
        "give the points' columns x1 and x2 instead of the features, as for nnstudio predict."
    )


def _points_paragraph(model: ModelDescription) -> str:
    return points_paragraph(model, "features_from_points(points), points shaped (m, 2),")


def _x_meaning(model: ModelDescription) -> str:
    """What ``predict``'s docstring says of ``X``."""
    if model.plane_features is None:
        return "Raw features in the order of FEATURE_NAMES."
    return (
        "Raw features in the order of FEATURE_NAMES: features of points (x1, x2),\n"
        "        which features_from_points(points) computes."
    )


def _points_source(features: tuple[str, ...] | None, numpy: str) -> str:
    """``POINT_FEATURES`` and ``features_from_points`` for a network reading a plane's points;
    nothing for other networks, so their modules stay as they were."""
    if features is None:
        return ""
    return _POINTS_TEMPLATE.substitute(
        point_features=python_tuple(features),
        columns=point_feature_code(features, f"{numpy}.sin"),
    )


_POINTS_USAGE = """\
    outputs = predict(features_from_points(points))  # points (x1, x2) shaped (m, 2)
"""

_POINTS_TEMPLATE = string.Template('''
#: The network reads these features of points (x1, x2), in the order of FEATURE_NAMES.
POINT_FEATURES = ${point_features}


def features_from_points(points) -> np.ndarray:
    """The network's inputs for points (x1, x2) shaped (m, 2) or (2,), as nnstudio computes them.

    Returns
    -------
    ndarray, shape (m, len(FEATURE_NAMES))
        The columns POINT_FEATURES, ready for predict().
    """
    P = np.asarray(points, dtype=np.float64)
    if P.ndim == 1:
        P = P.reshape(1, -1)
    if P.ndim != 2 or P.shape[1] != 2:
        raise ValueError(
            f"expected points shaped (m, 2) with columns x1, x2; got shape {np.shape(points)}"
        )
    x1, x2 = P[:, 0], P[:, 1]
    return np.column_stack(${columns})

''')


def _layer_tuple(count: int) -> str:
    pairs = [f"(W{number}, b{number})" for number in range(1, count + 1)]
    if count > 6:
        return "(\n" + "".join(f"    {pair},\n" for pair in pairs) + ")"
    return "(" + ", ".join(pairs) + ("," if count == 1 else "") + ")"


def _standardization_source(model: ModelDescription) -> str:
    if model.standardization is None:
        return (
            "# The project does not standardise its inputs.\nINPUT_MEAN = None\nINPUT_STD = None\n"
        )
    mean = np.asarray(model.standardization.mean, dtype=np.float64)
    std = np.asarray(model.standardization.std, dtype=np.float64)
    return (
        "# Input standardisation x' = (x - INPUT_MEAN) / INPUT_STD, fitted on the training set.\n"
        f"INPUT_MEAN = np.array({python_array(mean, '    ')})\n"
        f"INPUT_STD = np.array({python_array(std, '    ')})\n"
    )


def _target_standardization_source(model: ModelDescription) -> str:
    """The target statistics' constants; nothing when the targets are not standardised, so
    the modules of other networks stay as they were."""
    targets = model.target_standardization
    if targets is None:
        return ""
    mean = np.asarray(targets.mean, dtype=np.float64)
    std = np.asarray(targets.std, dtype=np.float64)
    return (
        "# Target standardisation: the network learnt (y - TARGET_MEAN) / TARGET_STD, fitted on\n"
        "# the training set; predict() scales its outputs back with y = A * TARGET_STD + "
        "TARGET_MEAN.\n"
        f"TARGET_MEAN = np.array({python_array(mean, '    ')})\n"
        f"TARGET_STD = np.array({python_array(std, '    ')})\n"
    )


def _target_scaling_source(model: ModelDescription) -> str:
    """The line of ``predict`` that scales the outputs back to the targets' units."""
    if model.target_standardization is None:
        return ""
    return (
        "    # The network's outputs are standardised targets: back to the targets' units.\n"
        "    A = A * TARGET_STD + TARGET_MEAN\n"
    )


def _layers_source(model: ModelDescription, dtype: str) -> str:
    blocks = []
    sizes = model.sizes
    for index, layer in enumerate(model.layers):
        number = index + 1
        alpha = f", alpha {layer.alpha:g}" if layer.alpha is not None else ""
        role = "output layer" if index == len(model.layers) - 1 else "hidden layer"
        blocks.append(
            f"# Layer {number} ({role}): {plural(sizes[index], 'input')} -> "
            f"{plural(sizes[index + 1], 'unit')}, "
            f"{layer.activation}{alpha}. Z = A @ W{number} + b{number}.\n"
            f"W{number} = np.array(\n"
            f"    {python_array(layer.weight, '    ')},\n"
            f"    dtype=np.{dtype},\n"
            ")\n"
            f"b{number} = np.array(\n"
            f"    {python_array(layer.bias, '    ')},\n"
            f"    dtype=np.{dtype},\n"
            ")\n"
        )
    return "\n".join(blocks)


def csv_reading_code(
    points: bool, decimal_comma: bool | None = None, header: bool | None = None
) -> str:
    """Code shared by the generated modules' command lines (NumPy and PyTorch): reading a CSV
    file the way ``nnstudio predict`` does, with the standard library only.

    With ``points`` (a network reading features of a plane's points) a file with columns
    ``x1`` and ``x2`` instead of the features gives them through the module's
    ``features_from_points``. ``decimal_comma`` is the project's data's (``None``: not
    said): numbers are read as the project reads its data, and as ``nnstudio predict``
    reads the project's inputs. ``header`` is the project's data's too: ``False`` (data
    without a header row, features "column N") reads the input without one, as ``nnstudio
    predict`` does; otherwise the input's first line names the columns.
    """
    return (
        _decimal_comma_source(decimal_comma)
        + _header_source(header)
        + CSV_READING_CODE
        + (_READ_POINTS_CODE if points else _READ_FEATURES_CODE)
    )


def _decimal_comma_source(decimal_comma: bool | None) -> str:
    """The constant that says how the generated module reads numbers in CSV files."""
    return (
        "\n#: How numbers in CSV files are read, as the project reads its data: True for a "
        "decimal\n#: comma (0,5 is 0.5), False for a decimal point, None to tell from each "
        "file.\n"
        f"DECIMAL_COMMA = {decimal_comma!r}\n"
    )


def _header_source(header: bool | None) -> str:
    """The constant that says whether the generated module reads a header row."""
    return (
        "#: Whether the first line of a CSV file names its columns, as in the project's data:\n"
        "#: True refuses a first line of numbers only; False reads every line as data and takes\n"
        '#: the features ("column 1", "column 2", ...) by position. --header and --no-header on\n'
        "#: the command line say otherwise.\n"
        f"HEADER = {header is not False!r}\n"
    )


#: The part of :func:`csv_reading_code` every module has. Its checks and messages are
#: ``nnstudio predict``'s (:mod:`nnstudio.data.csv`), with the standard library only.
CSV_READING_CODE = r'''#: Column separators recognised in CSV files (see find_delimiter).
DELIMITERS = (",", ";", "\t")
#: Cells that stand for a missing value (compared in lower case), besides an empty cell.
MISSING_TEXTS = frozenset(
    ("na", "n/a", "nan", "-nan", "+nan", "null", "none", "?", "#n/a", "#na", "<na>", "missing")
)
#: A number written with a decimal comma: "0,5", "-1,25", "2,5E-03".
COMMA_NUMBER = re.compile(r"^[+-]?\d*,\d+(?:[eE][+-]?\d+)?$")
#: Digits grouped in threes by commas ("3,431", "-1,234,567.5"): a thousands separator.
THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$")
#: The same grouped by points, as files with a decimal comma write thousands ("1.234,5").
POINT_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?$")


def read_table(
    csv_path: str, header: bool | None = None
) -> tuple[str, str, list[str], list[tuple[int, list[str]]]]:
    """A CSV file's name for messages, its delimiter, header and data rows (``-``: stdin).

    Commas, semicolons or tabs separate the columns; a byte order mark is skipped, blank lines
    are ignored and gzip-compressed data is decompressed. Each data row comes with the line it
    starts on. ``header``: None, the first line names the columns and one of numbers only is
    refused; True, it names them whatever it holds; False, it is data, and the columns are
    named "column 1", "column 2", ... A header with an empty or repeated column name, or a
    row with another number of fields than the first line, stops the program.
    """
    name = "stdin" if csv_path == "-" else os.path.basename(csv_path)
    try:
        if csv_path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(csv_path, "rb") as handle:
                data = handle.read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        text = data.decode("utf-8-sig").removeprefix("\ufeff")
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
        raise SystemExit(f"{csv_path}: cannot be read ({error})") from None
    stream = io.StringIO(text, newline="")
    delimiter = find_delimiter(stream.readline())
    stream.seek(0)
    reader = csv.reader(stream, delimiter=delimiter)
    names: list[str] | None = None
    # How messages about a row's field count name the first line.
    first = "the header"
    rows = []
    line = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise SystemExit(f"{name}: line {line}: {csv_problem(error)}") from None
        # reader.line_num counts physical lines, so quoted multi-line cells keep them right.
        start, line = line, reader.line_num + 1
        if not any(record) or (len(record) == 1 and not record[0].strip()):
            continue
        if names is None:
            if header is not False:
                cells = [cell.strip() for cell in record]
                names = column_names(name, cells, start, stated=header is True)
                continue
            names = [f"column {position}" for position in range(1, len(record) + 1)]
            first = f"line {start}"
        if len(record) != len(names):
            raise SystemExit(field_count_problem(name, start, record, len(names), first))
        rows.append((start, record))
    if names is None:
        expected = "a header row and data rows" if header is not False else "data rows"
        raise SystemExit(f"{name}: the file is empty (expected {expected})")
    return name, delimiter, names, rows


def find_delimiter(first_line: str) -> str:
    """The delimiter that splits the header best (comma unless another is clearly used).

    Semicolons or tabs whose cells use every comma as a decimal comma ("0,5;1,5") win over
    those commas.
    """
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    for other in (";", "\t"):
        if counts[other] and counts[","]:
            cells = [cell.strip() for cell in first_line.rstrip("\r\n").split(other)]
            if all(COMMA_NUMBER.match(cell) for cell in cells if "," in cell):
                return other
    best = max(DELIMITERS, key=counts.__getitem__)
    return best if counts[best] else ","


def csv_problem(error: csv.Error) -> str:
    """What a CSV parser error means, in the file's terms."""
    if str(error).startswith("field larger than field limit"):
        # A quote never closed takes in the lines after it until the cell is this long.
        return (
            f"a cell is longer than {csv.field_size_limit():,} characters (is a quote left open?)"
        )
    return f"cannot be parsed as CSV ({error})"


def column_names(name: str, cells: list[str], line: int, stated: bool = False) -> list[str]:
    """A header line's column names, stopping on a line that cannot name the columns.

    An unnamed first column (pandas writes its index so: ",a,b") is named "column 1". A line
    of numbers only is refused as data unless ``stated`` (the user said it is a header).
    """
    unnamed_first = len(cells) >= 2 and not cells[0] and all(cells[1:])
    if unnamed_first:
        first = "column 1"
        while first in cells:
            first = f"({first})"
        cells = [first, *cells[1:]]
    for position, cell in enumerate(cells, start=1):
        if not cell:
            raise SystemExit(
                f"{name}: line {line} (the header) has an empty name in column {position}"
            )
    named = cells[1 if unnamed_first else 0 :]
    if not stated and all(read_number(cell) is not None for cell in named):
        shown = ", ".join(cells[:4]) + (", ..." if len(cells) > 4 else "")
        raise SystemExit(
            f"{name}: line {line} looks like data ({shown}); the first line must be a header "
            "of column names"
        )
    seen: dict[str, int] = {}
    for position, cell in enumerate(cells, start=1):
        if cell in seen:
            raise SystemExit(
                f"{name}: the header names column {cell!r} twice (columns {seen[cell]} and "
                f"{position}); column names must be unique"
            )
        seen[cell] = position
    return cells


def field_count_problem(
    name: str, line: int, record: list[str], expected: int, first: str = "the header"
) -> str:
    """Why the record starting on ``line`` has another number of fields than the first line
    (``first``: "the header", or "line 1" in a file without one)."""
    fields = "field" if len(record) == 1 else "fields"
    message = f"{name}: line {line} has {len(record)} {fields}, {first} has {expected}"
    # A quote left open takes the following lines into its cell, so the row seems short.
    before = 0
    for cell in record:
        if "\n" in cell.rstrip("\r\n"):
            start = line + before
            end = start + cell.rstrip("\r\n").count("\n")
            return (
                f"{message}: a quoted cell runs from line {start} to line {end} (is a closing "
                "quote missing?)"
            )
        before += cell.count("\n")
    return message


def read_number(cell: str) -> float | None:
    """The number a cell spells, or None (digit separators and non-ASCII digits are text)."""
    if "_" in cell or not cell.isascii():
        return None
    try:
        return float(cell)
    except ValueError:
        return None


def read_comma_number(cell: str) -> float | None:
    """The number a cell spells with a decimal comma ("0,5" is 0.5), or None.

    A cell with a point is no number so: "1.234" may mean 1.234 or 1234.
    """
    if "." in cell:
        return None
    if "," in cell:
        if not COMMA_NUMBER.match(cell):
            return None
        cell = cell.replace(",", ".")
    return read_number(cell)


def is_missing(cell: str) -> bool:
    """Whether a (stripped) cell stands for a missing value: empty, NA, nan, ?, ..."""
    return not cell or cell.lower() in MISSING_TEXTS


def reads_decimal_comma(delimiter: str, rows: list[tuple[int, list[str]]]) -> bool:
    """Whether a file writes its numbers with a decimal comma, as nnstudio predict tells.

    It does when semicolons or tabs separate its cells, no number in it is written with a
    point, and some column holds numbers only when read with a decimal comma, with a comma
    that cannot group thousands ("0,346"; "1,303" may be 1303).
    """
    if delimiter == ",":
        return False
    found = False
    for column in zip(*(row for _line, row in rows)):
        cells = [cell.strip() for cell in column]
        if any("." in cell and read_number(cell) is not None for cell in cells):
            return False
        commas = [cell for cell in cells if COMMA_NUMBER.match(cell)]
        if commas and not all(THOUSANDS.match(cell) for cell in commas):
            numbers = (is_missing(cell) or read_comma_number(cell) is not None for cell in cells)
            found = found or all(numbers)
    return found


def read_numbers(
    name: str,
    delimiter: str,
    header: list[str],
    rows: list[tuple[int, list[str]]],
    names: tuple[str, ...],
) -> list[list[float]]:
    """The columns ``names`` of the data rows as finite numbers, one list per row.

    Checked as nnstudio predict checks them, each check stopping the program with its
    message: first a cell that is no number (with what to write instead), then every
    missing value at once (empty, NA, nan, ...), then an infinite number.
    """
    decimal_comma = DECIMAL_COMMA
    if decimal_comma is None:
        decimal_comma = reads_decimal_comma(delimiter, rows)
    parse = read_comma_number if decimal_comma else read_number
    lines = [line for line, _row in rows]
    columns = []
    for column in names:
        position = header.index(column)
        columns.append((column, [row[position].strip() for _line, row in rows]))
    for column, cells in columns:
        for line, cell in zip(lines, cells):
            if not is_missing(cell) and parse(cell) is None:
                hint = not_a_number_hint(cell, cells, decimal_comma, delimiter)
                raise SystemExit(
                    f"{name}: line {line}, column {column!r}: {cell!r} is not a number{hint}"
                )
    missing = []
    for column, cells in columns:
        found = [(line, cell) for line, cell in zip(lines, cells) if is_missing(cell)]
        if found:
            missing.append((column, found))
    if missing:
        raise SystemExit(missing_values_message(name, missing))
    values = []
    for column, cells in columns:
        numbers = [parse(cell) for cell in cells]
        for line, cell, number in zip(lines, cells, numbers):
            if not math.isfinite(number):
                raise SystemExit(
                    f"{name}: line {line}, column {column!r}: {cell!r} is not a finite number "
                    "(input values must be real numbers)"
                )
        values.append(numbers)
    return [list(row) for row in zip(*values)]


def not_a_number_hint(cell: str, column: list[str], decimal_comma: bool, delimiter: str) -> str:
    """A parenthesised suggestion for a cell of ``column`` that should have been a number."""
    if decimal_comma and "." in cell:
        if POINT_THOUSANDS.match(cell):
            return (
                " (numbers are read with a decimal comma here, as in 0,5, and the point "
                f"looks like a thousands separator: write {cell.replace('.', '')}, without "
                "points)"
            )
        if read_number(cell) is not None:
            return (
                " (numbers are read with a decimal comma here, as in 0,5: write "
                f"{cell.replace('.', ',')}, or read the file with a decimal point)"
            )
    if not decimal_comma and THOUSANDS.match(cell):
        commas = [other for other in column if "," in other and not is_missing(other)]
        # "3,431" read with a decimal comma would be 3.431: a thousand times too small.
        if all(THOUSANDS.match(other) for other in commas):
            advice = f"the comma looks like a thousands separator: write {cell.replace(',', '')}"
            if delimiter != ",":
                return (
                    f" ({advice}, without commas; if it is a decimal comma, read the file with "
                    "a decimal comma)"
                )
            return f" ({advice}, without commas)"
    if not decimal_comma and COMMA_NUMBER.match(cell):
        return " (write decimals with a point, e.g. 1.5, not a comma)"
    if "_" in cell and read_number(cell.replace("_", "")) is not None:
        return " (write numbers without digit separators, e.g. 1000, not 1_000)"
    parse = read_comma_number if decimal_comma else read_number
    sample = column[:200]
    if 2 * sum(parse(other) is not None for other in sample) >= len(sample):
        return " (the rest of the column is numbers: correct this cell or remove its row)"
    return " (text columns cannot be inputs; leave this column out)"


def missing_values_message(name: str, missing: list[tuple[str, list[tuple[int, str]]]]) -> str:
    """nnstudio predict's message for missing values: ``missing`` holds each column with
    some, and their lines and cells."""
    cells = sum(len(found) for _column, found in missing)
    if cells == 1:
        column, [(line, cell)] = missing[0]
        place = f"{name}: line {line}, column {column!r}"
        if not cell:
            return f"{place} is empty (every input value must be given)"
        if read_number(cell) is not None:  # nan
            return f"{place}: {cell!r} is not a finite number (input values must be real numbers)"
        return f"{place}: {cell!r} stands for a missing value (every input value must be given)"
    seen: list[str] = []
    for _column, found in missing:
        for _line, cell in found[:200]:
            shown = repr(cell) if cell else "empty"
            if shown not in seen:
                seen.append(shown)
    what = seen[0] if len(seen) == 1 else ", ".join(seen[:-1]) + " or " + seen[-1]
    lines = sorted({line for _column, found in missing for line, _cell in found})
    if len(lines) == 1:
        columns = ", ".join(repr(column) for column, _found in missing)
        return (
            f"{name}: line {lines[0]} has {cells} missing values ({what}), in columns "
            f"{columns}; fill them in, or remove the row"
        )
    per_column = [
        f"{column!r} {'has ' if not position else ''}{len(found):,} "
        f"({line_list([line for line, _cell in found], 3)})"
        for position, (column, found) in enumerate(missing[:6])
    ]
    if len(missing) > 6:
        more = len(missing) - 6
        per_column.append(
            f"{more:,} more column{'s' if more != 1 else ''} {'has' if more == 1 else 'have'} some"
        )
    return (
        f"{name}: {len(lines):,} rows have missing values ({what}): {line_list(lines, 5)}. "
        f"Column {', '.join(per_column)}. Fill them in, or remove those rows"
    )


def line_list(lines: list[int], shown: int) -> str:
    """``"line 7"``, ``"lines 7 and 9"``, ``"lines 7, 9, 12 and 40 more"``."""
    if len(lines) == 1:
        return f"line {lines[0]}"
    if len(lines) > shown:
        return f"lines {', '.join(map(str, lines[:shown]))} and {len(lines) - shown:,} more"
    return f"lines {', '.join(map(str, lines[:-1]))} and {lines[-1]}"


def header_options(args: list[str]) -> tuple[list[str], bool | None]:
    """The command line's arguments without --header and --no-header, and what the last of
    those says: whether the input's first line names its columns (None: as HEADER says)."""
    header = None
    rest = []
    for arg in args:
        if arg in ("--header", "--no-header"):
            header = arg == "--header"
        else:
            rest.append(arg)
    return rest, header


def feature_positions() -> list[int] | None:
    """The 1-based columns the features "column N" name, or None for other names."""
    found = [re.fullmatch(r"column ([1-9][0-9]*)", feature) for feature in FEATURE_NAMES]
    if not all(found):
        return None
    return [int(match.group(1)) for match in found]


def header_reading(csv_path: str, header: bool | None) -> bool | None:
    """How read_table reads the first line of ``csv_path``, as nnstudio predict does.

    ``header`` as given on the command line; when not given, a header as HEADER says (None:
    one is expected, and a first line of numbers only is refused). Without a header only
    features named by position ("column N") can be found.
    """
    reading = header if header is not None else (None if HEADER else False)
    if reading is False and feature_positions() is None:
        name = "the input" if csv_path == "-" else os.path.basename(csv_path)
        raise SystemExit(
            f"--no-header reads {name} without column names, but this model names its "
            f"features ({', '.join(FEATURE_NAMES)}); add a header row naming them to the input "
            "and leave out --no-header"
        )
    return reading


def require_columns(name: str, header: list[str]) -> None:
    """Stop when a file without a header has too few columns for the features' positions
    (its lines must be laid out as the project's data)."""
    positions = feature_positions()
    needed = max(positions, default=0)
    if len(header) >= needed:
        return
    places = " and ".join(
        filter(None, [", ".join(str(p) for p in positions[:-1]), str(positions[-1])])
    )
    count = f"{len(header):,} column{'' if len(header) == 1 else 's'}"
    raise SystemExit(
        f"{name}: has {count} and no header row, but this model takes its features from "
        f"column{'s' if len(positions) > 1 else ''} {places} (as in the project's data, which "
        "has no header row either); give each line as laid out in the project's data, with "
        f"at least {needed} columns"
    )


def lacks_features(name: str, missing: list[str], header: bool | None, points: bool) -> str:
    """The message for a file without some of the feature columns."""
    alternative = " or the points' columns x1 and x2" if points else ""
    # Features named by position are found in a file read without a header.
    hint = "; --no-header takes them by position"
    hint = hint if header is True and feature_positions() is not None else ""
    return (
        f"{name} lacks the feature column{'s' if len(missing) > 1 else ''} "
        f"{', '.join(missing)} (the project needs {', '.join(FEATURE_NAMES)}{alternative}{hint})"
    )


def read_features_of(
    name: str,
    delimiter: str,
    header: list[str],
    rows: list[tuple[int, list[str]]],
    guessed_headerless: bool,
) -> list[list[float]]:
    """read_numbers for FEATURE_NAMES; ``guessed_headerless``: the file was read without a
    header because the project's data has none, so a message about its first line says how
    to read that line as a header."""
    try:
        return read_numbers(name, delimiter, header, rows, FEATURE_NAMES)
    except SystemExit as stop:
        first = rows[0][0] if rows else None
        if guessed_headerless and f"line {first}," in str(stop.code):
            raise SystemExit(f"{stop.code}; if line {first} names the columns, pass --header")
        raise
'''

_READ_FEATURES_CODE = r'''

def read_columns(csv_path: str, header: bool | None = None) -> list[list[float]]:
    """The FEATURE_NAMES columns of a CSV file, one list per data row.

    ``header``: whether the file's first line names its columns (None: as HEADER says).
    """
    reading = header_reading(csv_path, header)
    name, delimiter, names, rows = read_table(csv_path, reading)
    if reading is False:
        require_columns(name, names)
    missing = [feature for feature in FEATURE_NAMES if feature not in names]
    if missing:
        raise SystemExit(lacks_features(name, missing, header, points=False))
    guessed = reading is False and header is None
    return read_features_of(name, delimiter, names, rows, guessed)
'''

_READ_POINTS_CODE = r'''

def read_columns(csv_path: str, header: bool | None = None) -> list[list[float]]:
    """The FEATURE_NAMES columns of a CSV file, one list per data row.

    ``header``: whether the file's first line names its columns (None: as HEADER says). A
    file without the features but with the points' columns x1 and x2 gives the features
    computed from the points, as nnstudio predict does.
    """
    reading = header_reading(csv_path, header)
    name, delimiter, names, rows = read_table(csv_path, reading)
    if reading is False:
        require_columns(name, names)
    missing = [feature for feature in FEATURE_NAMES if feature not in names]
    if not missing:
        guessed = reading is False and header is None
        return read_features_of(name, delimiter, names, rows, guessed)
    if "x1" in names and "x2" in names:
        points = read_numbers(name, delimiter, names, rows, ("x1", "x2"))
        if not points:
            return []
        return features_from_points(points).tolist()
    raise SystemExit(lacks_features(name, missing, header, points=True))
'''

#: The end of the generated modules: run ``main`` and stop quietly when the reader of the
#: output goes away (``python model.py data.csv | head``).
MAIN_CODE = r"""
if __name__ == "__main__":
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Keep Python from reporting the closed pipe again when it flushes at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 1
    sys.exit(status)
"""

#: The generated module's docstring, escaped with :func:`docstring_body` once filled in.
_DOCSTRING = string.Template("""\
Neural network exported by nnstudio ${version}; needs only NumPy.

${summary}

Usage::

    ${import_line}

    outputs = predict(X)  # X: raw features shaped (m, ${n_features}) or (${n_features},)
${points_usage}    labels = predict_labels(X)  # classifiers: the predicted class names

or, from a shell, ``python ${file_name} data.csv`` prints predictions for
${input_file}.
``-`` instead of a file name reads standard input; ``--header`` or ``--no-header`` before it
says whether the file's first line names the columns (by default, as HEADER says), and
``--help`` shows this text.
""")

_TEMPLATE = string.Template('''\
"""${docstring}"""

from __future__ import annotations

import csv
import gzip
import io
import math
import os
import re
import sys
import zlib

import numpy as np

NAME = ${name_repr}
TASK = ${task_repr}
FEATURE_NAMES = ${feature_names}
#: Class names (classification) or target names (regression).
OUTPUT_NAMES = ${output_names}
ACTIVATIONS = ${activations}
#: Negative slope of leaky_relu or scale of elu, per layer (None for other activations).
ALPHAS = ${alphas}

${standardization}${target_standardization}
${layers}
LAYERS = ${layer_names}
${points}

def _sigmoid(z: np.ndarray) -> np.ndarray:
    # exp(-|z|) never overflows.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def activate(name: str, alpha: float | None, z: np.ndarray) -> np.ndarray:
    """Apply one of nnstudio's activations to ``z`` (rows are samples)."""
    if name == "identity":
        return z
    if name == "sigmoid":
        return _sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, alpha * z)
    if name == "elu":
        return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))
    if name == "softplus":
        return np.logaddexp(0.0, z)
    if name == "gelu":
        # The tanh approximation of GELU.
        inner = np.sqrt(2.0 / np.pi) * (z + 0.044715 * z**3)
        return 0.5 * z * (1.0 + np.tanh(inner))
    if name == "swish":
        return z * _sigmoid(z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    raise ValueError(f"unknown activation {name!r}")


def predict(X) -> np.ndarray:
    """Network outputs for raw features.

    Parameters
    ----------
    X : array_like, shape (m, ${n_features}) or (${n_features},)
        ${x_meaning}

    Returns
    -------
    ndarray, shape (m, ${n_outputs})
    """
    A = np.asarray(X, dtype=np.float64)
    if A.ndim == 1:
        A = A.reshape(1, -1)
    if A.ndim != 2 or A.shape[1] != len(FEATURE_NAMES):
        raise ValueError(
            f"expected inputs shaped (m, {len(FEATURE_NAMES)}) with columns "
            f"{', '.join(FEATURE_NAMES)}; got shape {np.shape(X)}"
        )
    if INPUT_MEAN is not None:
        A = (A - INPUT_MEAN) / INPUT_STD
    with np.errstate(over="ignore", under="ignore"):
        for (W, b), name, alpha in zip(LAYERS, ACTIVATIONS, ALPHAS):
            A = activate(name, alpha, A @ W + b)
${target_scaling}    return A


def predict_labels(X) -> np.ndarray:
    """Predicted class names for raw features (classifiers only), shape (m,)."""
    if TASK != "classification":
        raise ValueError("this is a regression model: use predict()")
    return labels_for(predict(X))


def labels_for(outputs: np.ndarray) -> np.ndarray:
    """Class names for the outputs of predict(), shape (m,)."""
    if outputs.shape[1] == 1:
        # One sigmoid unit: the probability of the second class.
        indices = (outputs[:, 0] >= 0.5).astype(int)
    else:
        indices = outputs.argmax(axis=1)
    return np.asarray(OUTPUT_NAMES)[indices]

${csv_reading}

def read_features(csv_path: str, header: bool | None = None) -> np.ndarray:
    """The feature columns of a CSV file, shaped (rows, ${n_features}); ``header`` as for
    read_columns."""
    values = read_columns(csv_path, header)
    return np.array(values, dtype=np.float64).reshape(len(values), len(FEATURE_NAMES))


def main(argv: list[str] | None = None) -> int:
    """Print predictions for the CSV file named on the command line (``-``: standard input)."""
    args, header = header_options(sys.argv[1:] if argv is None else argv)
    if args in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if len(args) != 1:
        print(
            f"usage: python {sys.argv[0]} [--header | --no-header] DATA.csv (or - for standard "
            "input)",
            file=sys.stderr,
        )
        return 2
    outputs = predict(read_features(args[0], header))
    writer = csv.writer(sys.stdout, lineterminator="\\n")
    if TASK == "classification":
        # One sigmoid unit: the probabilities of both classes.
        columns = np.hstack([1 - outputs, outputs]) if outputs.shape[1] == 1 else outputs
        writer.writerow([*(f"${column_prefix}{name}" for name in OUTPUT_NAMES), "label"])
        labels = labels_for(outputs)
        for row, label in zip(columns.tolist(), labels.tolist()):
            writer.writerow([*(f"{value:.10g}" for value in row), label])
    else:
        writer.writerow(OUTPUT_NAMES)
        writer.writerows([f"{value:.10g}" for value in row] for row in outputs.tolist())
    return 0

${main_code}''')
