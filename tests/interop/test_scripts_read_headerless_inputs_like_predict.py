"""For a project whose CSV data has no header row (features "column 1", "column 2", ...), the
exported scripts read prediction inputs without one too, as ``nnstudio predict`` does: the
same predictions for a file laid out as the data, and the same message for a file whose first
line names the columns (or the same result with ``--header``)."""

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

#: Inputs of a project whose features are columns 1, 3 and 4 of its headerless data, with the
#: message ``nnstudio predict`` gives (``None``: it predicts). ``header``: the command line's
#: ``--header``/``--no-header`` (``None``: neither).
FILES = {
    "laid out as the data": ("1,9,2,3\n4,9,5,6\n-1.5,9,0.25,7\n", None, None),
    "semicolons and decimal commas": ("1;9;0,5;3\n4;9;2,25;-6\n", None, None),
    "a header line": (
        "column 1,column 2,column 3,column 4\n1,9,2,3\n4,9,5,6\n",
        None,
        "x.csv: line 1, column 'column 1': 'column 1' is not a number (the rest of the column "
        "is numbers: correct this cell or remove its row); if line 1 names the columns, pass "
        "--header",
    ),
    "a header line with --header": (
        "column 1,column 2,column 3,column 4\n1,9,2,3\n4,9,5,6\n",
        True,
        None,
    ),
    "other names with --header": (
        "a,b,c,d\n1,9,2,3\n",
        True,
        "x.csv lacks the feature columns column 1, column 3, column 4 (the project needs "
        "column 1, column 3, column 4; --no-header takes them by position)",
    ),
    "a header line of numbers": ("1,2,3,4\n5,6,7,8\n", None, None),
    "missing values": (
        "1,9,,3\n4,9,NA,6\n",
        None,
        "x.csv: 2 rows have missing values (empty or 'NA'): lines 1 and 2. Column 'column 3' "
        "has 2 (lines 1 and 2). Fill them in, or remove those rows",
    ),
    "a row too long": (
        "1,9,2,3\n4,9,5,6,7\n",
        None,
        "x.csv: line 2 has 5 fields, line 1 has 4",
    ),
    "a blank first line": (
        "\n1,9,2,3\n4,9,5\n",
        None,
        "x.csv: line 3 has 3 fields, line 2 has 4",
    ),
    "empty": ("", None, "x.csv: the file is empty (expected data rows)"),
}


def _import(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"nnstudio_headerless_{next(_numbers)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, dict[str, ModuleType]]:
    """A trained project whose CSV data has no header row, and its scripts."""
    pytest.importorskip("torch")
    folder = tmp_path_factory.mktemp("headerless")
    project, weights = make_model(
        (("tanh", None),), output="softmax", outputs=3, task="classification", inputs=3
    )
    data = CsvData(csv="train.csv", target=("column 2",), header=False)
    project = replace(project, data=data, feature_names=("column 1", "column 3", "column 4"))
    save_project(folder / "model.nnproj", project, weights)
    modules = {
        "python": _import(export_python(project, weights, folder / "numpy_model.py")[0]),
        "torch": _import(export_torch(project, weights, folder / "torch_model.py")[0]),
    }
    return folder / "model.nnproj", modules


def _predict(project: Path, data: Path, header: bool | None, capsys) -> tuple[str, str]:
    """``nnstudio predict``'s output and message (one of them empty) for ``data``."""
    capsys.readouterr()
    option = [] if header is None else ["--header" if header else "--no-header"]
    status = cli.main(["predict", str(project), "-i", str(data), *option])
    out, err = capsys.readouterr()
    if status == 0:
        return out, ""
    errors = [line for line in err.splitlines() if line.startswith("nnstudio: error: ")]
    assert len(errors) == 1, err
    return "", errors[0].removeprefix("nnstudio: error: ")


def _probabilities(csv_text: str) -> np.ndarray:
    return np.array([line.split(",")[:-1] for line in csv_text.splitlines()[1:]], dtype=float)


def test_scripts_say_they_read_inputs_without_a_header(exported) -> None:
    _project, modules = exported
    for module in modules.values():
        assert module.HEADER is False
        assert "without a header row" in module.__doc__
        assert "--no-header" in module.__doc__


@pytest.mark.parametrize("variant", FILES, ids=list(FILES))
def test_scripts_read_headerless_inputs_as_nnstudio_predict(
    exported, variant: str, tmp_path: Path, capsys
) -> None:
    project, modules = exported
    text, header, message = FILES[variant]
    data = tmp_path / "x.csv"
    data.write_text(text, encoding="utf-8")
    printed, said = _predict(project, data, header, capsys)
    assert said == (message or "")
    for kind, module in modules.items():
        option = [] if header is None else ["--header" if header else "--no-header"]
        capsys.readouterr()
        try:
            status = module.main([*option, str(data)])
        except SystemExit as stop:
            assert str(stop.code) == said, kind
            continue
        out = capsys.readouterr().out
        assert (status, said) == (0, ""), kind
        assert out.splitlines()[0] == printed.splitlines()[0], kind
        assert [line.rsplit(",", 1)[1] for line in out.splitlines()[1:]] == [
            line.rsplit(",", 1)[1] for line in printed.splitlines()[1:]
        ], kind
        np.testing.assert_allclose(_probabilities(out), _probabilities(printed), rtol=1e-6)


def test_headerless_input_with_too_few_columns_is_refused_as_predict_refuses_it(
    exported, tmp_path: Path, capsys
) -> None:
    project, modules = exported
    data = tmp_path / "x.csv"
    data.write_text("1,9,2\n4,9,5\n", encoding="utf-8")
    _printed, said = _predict(project, data, None, capsys)
    assert said.startswith("x.csv: has 3 columns and no header row, but model.nnproj takes")
    # The script does not know the project's file name: it speaks of itself.
    expected = (
        "x.csv: has 3 columns and no header row, but this model takes its features from columns "
        "1, 3 and 4 (as in the project's data, which has no header row either); give each line "
        "as laid out in the project's data, with at least 4 columns"
    )
    for kind, module in modules.items():
        with pytest.raises(SystemExit) as stop:
            module.read_columns(str(data))
        assert str(stop.value.code) == expected, kind


def test_script_reads_a_headerless_input_from_the_shell(exported, tmp_path: Path) -> None:
    _project, modules = exported
    script = Path(modules["python"].__file__)
    data = tmp_path / "x.csv"
    data.write_text("1,9,2,3\n4,9,5,6\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-W", "error", str(script), "-"],
        input=data.read_text(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert len(result.stdout.splitlines()) == 3


@pytest.mark.parametrize("header", [None, True])
def test_scripts_of_projects_with_a_header_expect_one(header, tmp_path: Path) -> None:
    project, weights = make_model(
        (("tanh", None),), output="softmax", outputs=3, task="classification", inputs=3
    )
    project = replace(project, data=CsvData(csv="d.csv", target=("y",), header=header))
    (script,) = export_python(project, weights, tmp_path / "model.py")
    assert "\nHEADER = True\n" in script.read_text(encoding="utf-8")
