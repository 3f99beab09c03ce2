"""Without a conventionally named target, the column picker takes a column of a few words
(class labels) for the target rather than the last column."""

from __future__ import annotations

import pytest

from nnstudio.data import read_csv_table
from nnstudio.ui.csv_import import guess_target

from .test_csv_import import open_dialog, write

pytestmark = pytest.mark.gui

CITIES = ("Austin, TX", "Boston, MA", "Portland, OR")


def quoted_cities(rows: int = 30) -> str:
    lines = [f'{i / 10:.3f},"{CITIES[i % 3]}",{(i * 7 % 11) / 10:.3f}' for i in range(rows)]
    return 'x1,"city, state",x2\n' + "\n".join(lines) + "\n"


def test_a_column_of_few_words_is_the_target(qtbot, tmp_path) -> None:
    path = write(tmp_path / "quoted.csv", quoted_cities())
    dialog = open_dialog(qtbot, path, tmp_path)
    assert dialog.target_columns() == ("city, state",)
    assert dialog.input_columns() == ("x1", "x2")
    assert dialog.task() == "classification"
    assert dialog.problem is None and dialog.dataset is not None
    assert dialog.dataset.class_names == CITIES


@pytest.mark.parametrize(
    ("text", "target"),
    [
        # A conventional name still wins.
        ("label,a,kind\n" + "".join(f"{i % 2},{i},{'pq'[i % 2]}\n" for i in range(10)), "label"),
        # Names, one per row, are no classes: the last column stays the guess.
        ("name,age,height\nAnn,23,170\nBob,31,182\nCid,45,175\nDan,52,169\n", "height"),
        # Too many words to be classes.
        ("word,x,y\n" + "".join(f"w{i},{i},{i * 2}\n" for i in range(60)), "y"),
        # Numbers with a typo are no classes.
        ("a,b,c\n" + "".join(f"{i},{i}.5,{i}\n" for i in range(9)) + "1,1o,1\n", "c"),
    ],
)
def test_other_files_keep_their_guess(tmp_path, text: str, target: str) -> None:
    table = read_csv_table(write(tmp_path / "f.csv", text))
    assert guess_target(table) == target
