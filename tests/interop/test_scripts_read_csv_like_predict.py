"""The exported scripts read prediction inputs as ``nnstudio predict`` does: the same numbers
from the same files (decimal commas as the project's data says), and the same message for
every file it refuses (missing values all at once, NA words, thousands separators, ...)."""

from __future__ import annotations

import importlib.util
import itertools
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from interop_support import make_model

from nnstudio import cli
from nnstudio.io.project import save_project
from nnstudio.io.python_export import export_python
from nnstudio.io.torch_export import export_torch
from nnstudio.spec import CsvData

pytestmark = pytest.mark.interop

_numbers = itertools.count()

_HEADER = "feature_0,feature_1,feature_2"
_SEMICOLONS = "feature_0;feature_1;feature_2"

#: Files ``nnstudio predict`` refuses, with its message (the file is named x.csv).
REFUSED = {
    "NA": (
        f"{_HEADER}\n1,NA,3\n4,5,6\n",
        "x.csv: line 2, column 'feature_1': 'NA' stands for a missing value (every input value "
        "must be given)",
    ),
    "question mark": (
        f"{_HEADER}\n1,2,3\n1,?,3\n",
        "x.csv: line 3, column 'feature_1': '?' stands for a missing value (every input value "
        "must be given)",
    ),
    "missing values": (
        f"{_HEADER}\n1,,3\n4,NA,6\n7,8,nan\n1,2,3\n",
        "x.csv: 3 rows have missing values (empty, 'NA' or 'nan'): lines 2, 3 and 4. Column "
        "'feature_1' has 2 (lines 2 and 3), 'feature_2' 1 (line 4). Fill them in, or remove "
        "those rows",
    ),
    "many missing values": (
        f"{_HEADER}\n"
        + "".join(
            f"{i},{'' if i % 3 == 0 else i},{'NA' if i % 4 == 0 else i}\n" for i in range(40)
        ),
        "x.csv: 20 rows have missing values (empty or 'NA'): lines 2, 5, 6, 8, 10 and 15 more. "
        "Column 'feature_1' has 14 (lines 2, 5, 8 and 11 more), 'feature_2' 10 (lines 2, 6, 10 "
        "and 7 more). Fill them in, or remove those rows",
    ),
    "one row": (
        f"{_HEADER}\n1,,NA\n2,3,4\n",
        "x.csv: line 2 has 2 missing values (empty or 'NA'), in columns 'feature_1', "
        "'feature_2'; fill them in, or remove the row",
    ),
    "words of missing values": (
        f"{_HEADER}\n1,NA,3\n2,none,4\n",
        "x.csv: 2 rows have missing values ('NA' or 'none'): lines 2 and 3. Column 'feature_1' "
        "has 2 (lines 2 and 3). Fill them in, or remove those rows",
    ),
    "thousands separator": (
        f'{_HEADER}\n1,"3,431",3\n4,"1,200",6\n',
        "x.csv: line 2, column 'feature_1': '3,431' is not a number (the comma looks like a "
        "thousands separator: write 3431, without commas)",
    ),
    "thousands separator between semicolons": (
        f"{_SEMICOLONS}\n1;3,431;3\n4;1,200;6\n",
        "x.csv: line 2, column 'feature_1': '3,431' is not a number (the comma looks like a "
        "thousands separator: write 3431, without commas; if it is a decimal comma, read the "
        "file with a decimal comma)",
    ),
    "decimal comma among commas": (
        f'{_HEADER}\n1,"0,5",3\n',
        "x.csv: line 2, column 'feature_1': '0,5' is not a number (write decimals with a point, "
        "e.g. 1.5, not a comma)",
    ),
    "decimal comma beside a point": (
        f"{_SEMICOLONS}\n1;0,5;3\n4;2.25;6\n",
        "x.csv: line 2, column 'feature_1': '0,5' is not a number (write decimals with a point, "
        "e.g. 1.5, not a comma)",
    ),
    "typo among numbers": (
        f"{_HEADER}\n1,2,3\n4,5,6\n7,8,9\n1,x,3\n",
        "x.csv: line 5, column 'feature_1': 'x' is not a number (the rest of the column is "
        "numbers: correct this cell or remove its row)",
    ),
    "words": (
        f"{_HEADER}\n1,a,3\n4,b,6\n7,c,9\n",
        "x.csv: line 2, column 'feature_1': 'a' is not a number (text columns cannot be inputs; "
        "leave this column out)",
    ),
    "digit separator": (
        f"{_HEADER}\n1,1_000,3\n",
        "x.csv: line 2, column 'feature_1': '1_000' is not a number (write numbers without digit "
        "separators, e.g. 1000, not 1_000)",
    ),
    "no number before missing values": (
        f"{_HEADER}\n1,,3\n4,5,x\n",
        "x.csv: line 3, column 'feature_2': 'x' is not a number (the rest of the column is "
        "numbers: correct this cell or remove its row)",
    ),
    "missing values before infinity": (
        f"{_HEADER}\n1,2,inf\n4,,6\n",
        "x.csv: line 3, column 'feature_1' is empty (every input value must be given)",
    ),
    "quote left open": (
        f'{_HEADER}\n"1,2,3\n4,5,6\n',
        "x.csv: line 2 has 1 field, the header has 3: a quoted cell runs from line 2 to line 3 "
        "(is a closing quote missing?)",
    ),
    "empty file": ("", "x.csv: the file is empty (expected a header row and data rows)"),
    "numbers for a header": (
        "1,2,3\n4,5,6\n",
        "x.csv: line 1 looks like data (1, 2, 3); the first line must be a header of column names",
    ),
    "features missing": (
        "a,feature_1\n1,2\n",
        "x.csv lacks the feature columns feature_0, feature_2 (the project needs feature_0, "
        "feature_1, feature_2)",
    ),
}

#: Files read with a decimal comma or a decimal point, by the project's ``decimal_comma``
#: (``None``: guessed from the file), and the features they give; ``None``: refused, with the
#: message ``nnstudio predict`` gives.
READINGS = {
    "decimal commas between semicolons": (
        f"{_SEMICOLONS}\n1;0,5;3\n4;2,25;-6\n",
        {
            None: [[1, 0.5, 3], [4, 2.25, -6]],
            True: [[1, 0.5, 3], [4, 2.25, -6]],
            False: None,
        },
    ),
    "decimal commas between tabs, with NA": (
        "feature_0\tfeature_1\tfeature_2\n1\t0,5\t3\nNA\t2,25\t-6\n",
        {None: None, True: None, False: None},
    ),
    "commas that may group thousands": (
        f"{_SEMICOLONS}\n1;1,303;3\n4;2,500;6\n",
        {None: None, True: [[1, 1.303, 3], [4, 2.5, 6]], False: None},
    ),
    "quoted decimal commas": (
        f'{_HEADER}\n1,"0,5",3\n',
        {None: None, True: [[1, 0.5, 3]], False: None},
    ),
    "decimal points": (
        f"{_HEADER}\n1.5,2,3\n",
        {None: [[1.5, 2, 3]], True: None, False: [[1.5, 2, 3]]},
    ),
    "thousands grouped by points": (
        f"{_SEMICOLONS}\n1;1.234,5;3\n4;0,5;6\n",
        {None: None, True: None, False: None},
    ),
    "whole numbers": (
        f"{_SEMICOLONS}\n1;2;3\n",
        {None: [[1, 2, 3]], True: [[1, 2, 3]], False: [[1, 2, 3]]},
    ),
}


def _import(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"nnstudio_reading_{next(_numbers)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=[None, True, False], ids=["guessed", "comma", "point"])
def exported(request, tmp_path_factory) -> tuple[Path, dict[str, ModuleType]]:
    """A trained project whose CSV data has the given ``decimal_comma``, and its scripts."""
    pytest.importorskip("torch")
    folder = tmp_path_factory.mktemp("scripts")
    project, weights = make_model(
        (("tanh", None),), output="softmax", outputs=3, task="classification", inputs=3
    )
    data = CsvData(csv="train.csv", target=("label",), decimal_comma=request.param)
    project = replace(project, data=data)
    save_project(folder / "model.nnproj", project, weights)
    modules = {
        "python": _import(export_python(project, weights, folder / "numpy_model.py")[0]),
        "torch": _import(export_torch(project, weights, folder / "torch_model.py")[0]),
    }
    return folder / "model.nnproj", modules


def _predict_outcome(project: Path, data: Path, capsys) -> str | None:
    """``nnstudio predict``'s message for ``data``, or ``None`` when it predicts."""
    capsys.readouterr()
    status = cli.main(["predict", str(project), "-i", str(data)])
    err = capsys.readouterr().err
    if status == 0:
        return None
    errors = [line for line in err.splitlines() if line.startswith("nnstudio: error: ")]
    assert len(errors) == 1, err
    return errors[0].removeprefix("nnstudio: error: ")


def _script_outcome(module: ModuleType, data: Path) -> tuple[list[list[float]] | None, str]:
    """What a script reads of ``data``, or its message."""
    try:
        return module.read_columns(str(data)), ""
    except SystemExit as stop:
        return None, str(stop.code)


@pytest.mark.parametrize("variant", REFUSED, ids=list(REFUSED))
def test_scripts_refuse_bad_inputs_with_the_message_of_nnstudio_predict(
    exported, variant: str, tmp_path: Path, capsys
) -> None:
    project, modules = exported
    text, message = REFUSED[variant]
    data = tmp_path / "x.csv"
    data.write_text(text, encoding="utf-8")
    expected = _predict_outcome(project, data, capsys)
    for kind, module in modules.items():
        _values, said = _script_outcome(module, data)
        assert said == (expected or ""), kind
    # Those with commas are read otherwise when the project's data says how.
    if modules["python"].DECIMAL_COMMA is None or not (
        "comma" in variant or "thousands" in variant
    ):
        assert expected == message


@pytest.mark.parametrize("variant", READINGS, ids=list(READINGS))
def test_scripts_read_numbers_as_the_project_reads_its_data(
    exported, variant: str, tmp_path: Path, capsys
) -> None:
    project, modules = exported
    decimal_comma = modules["python"].DECIMAL_COMMA
    text, readings = READINGS[variant]
    data = tmp_path / "x.csv"
    data.write_text(text, encoding="utf-8")
    expected = readings[decimal_comma]
    message = _predict_outcome(project, data, capsys)
    assert (message is None) == (expected is not None), message
    for kind, module in modules.items():
        values, said = _script_outcome(module, data)
        assert said == (message or ""), kind
        if expected is not None:
            np.testing.assert_array_equal(np.array(values), np.array(expected, dtype=float))


@pytest.mark.parametrize("decimal_comma", [None, True, False])
def test_scripts_say_how_they_read_numbers(decimal_comma, tmp_path: Path) -> None:
    project, weights = make_model(
        (("tanh", None),), output="softmax", outputs=3, task="classification", inputs=3
    )
    project = replace(
        project, data=CsvData(csv="d.csv", target=("y",), decimal_comma=decimal_comma)
    )
    (script,) = export_python(project, weights, tmp_path / "model.py")
    assert f"\nDECIMAL_COMMA = {decimal_comma!r}\n" in script.read_text(encoding="utf-8")


def test_script_stops_with_the_missing_values_on_one_line(tmp_path: Path) -> None:
    project, weights = make_model(
        (("tanh", None),), output="softmax", outputs=3, task="classification", inputs=3
    )
    (script,) = export_python(project, weights, tmp_path / "model.py")
    text, message = REFUSED["missing values"]
    (tmp_path / "x.csv").write_text(text)
    result = subprocess.run(
        [sys.executable, "-W", "error", str(script), str(tmp_path / "x.csv")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (1, "", message + "\n")
