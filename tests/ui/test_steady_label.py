"""Labels of live values: size hints kept while only numbers change, measured again soon."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.ui import steady_label
from nnstudio.ui.qt import Qt, QtGui, QtWidgets
from nnstudio.ui.steady_label import SteadyLabel, number_skeleton

_READOUT = (
    "<div><b>Example {e} / 128 · class outer</b></div>"
    "<table width='100%' cellspacing='0' cellpadding='1'>"
    "<tr><td style='padding-right:6px'>z = w·a + b</td><td align='right'>{z}</td></tr>"
    "<tr><td colspan='2' style='color:#6b7280; padding-left:12px'>= {a} × {b} + {c}"
    " from neuron h2&#8322; and x1</td></tr></table>"
)


def _number(rng: np.random.Generator) -> str:
    value = rng.choice([-1, 1]) * 10.0 ** rng.uniform(-6, 3)
    return f"{value:.4g}".replace("-", "\u2212")


def _readout(rng: np.random.Generator) -> str:
    return _READOUT.format(
        e=int(rng.integers(1, 129)),
        z=_number(rng),
        a=_number(rng),
        b=_number(rng),
        c=_number(rng),
    )


def test_the_skeleton_takes_out_values_but_not_markup_or_names() -> None:
    text = "<td style='padding-left:12px'>x1 = \u22120.0123 &#8322; 7 e 1.5e-05</td>"
    assert number_skeleton(text, rich=True) == (
        "<td style='padding-left:12px'>x1 = \0 &#8322; \0 e \0</td>"
    )
    assert number_skeleton("a < 3 and b > 2.5", rich=False) == "a < \0 and b > \0"


@pytest.fixture
def pair(qtbot):
    """A steady label and a plain one, set up alike."""
    labels = []
    for kind in (SteadyLabel, QtWidgets.QLabel):
        label = kind()
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        qtbot.addWidget(label)
        labels.append(label)
    return labels


def _hints(label: QtWidgets.QLabel) -> list:
    return [label.heightForWidth(220), label.sizeHint(), label.minimumSizeHint()]


def test_values_of_one_form_reuse_the_hints_until_they_are_measured_again(
    pair, monkeypatch
) -> None:
    steady, plain = pair
    clock = [100.0]
    monkeypatch.setattr(steady_label.time, "monotonic", lambda: clock[0])
    measured = []
    height_for_width = QtWidgets.QLabel.heightForWidth
    monkeypatch.setattr(
        QtWidgets.QLabel,
        "heightForWidth",
        lambda label, width: (measured.append(width), height_for_width(label, width))[1],
    )
    rng = np.random.default_rng(3)
    text = _readout(rng)
    steady.setText(text)
    plain.setText(text)
    first = _hints(steady)
    assert first == _hints(plain)  # measured on the text itself
    measured.clear()
    for _ in range(20):
        clock[0] += steady_label.REMEASURE_SECONDS / 25
        steady.setText(_readout(rng))
        assert _hints(steady) == first
    assert measured == []
    # Once the time is up, the text of the moment is measured.
    clock[0] += steady_label.REMEASURE_SECONDS
    text = _readout(rng).replace("z = w·a + b", "z = w·a + b, the weighted input of neuron")
    steady.setText(text.replace("z = w", "z\u00a0=\u00a0w"))  # another form: measured at once
    plain.setText(text.replace("z = w", "z\u00a0=\u00a0w"))
    assert _hints(steady) == _hints(plain)
    clock[0] += steady_label.REMEASURE_SECONDS + 0.01
    text = _readout(rng)
    steady.setText(text)
    plain.setText(text)
    assert _hints(steady) == _hints(plain)


def test_another_form_of_text_is_measured_at_once(pair) -> None:
    steady, plain = pair
    rng = np.random.default_rng(5)
    steady.setText(_readout(rng))
    short = steady.heightForWidth(220)
    text = _readout(rng) + "<div>one more line</div>"
    steady.setText(text)
    plain.setText(text)
    assert steady.heightForWidth(220) == plain.heightForWidth(220) > short


def test_a_larger_font_is_measured_anew(pair) -> None:
    steady, plain = pair
    text = _readout(np.random.default_rng(1))
    steady.setText(text)
    plain.setText(text)
    small = steady.heightForWidth(240)
    font = QtGui.QFont(steady.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    for label in (steady, plain):
        label.setFont(font)
    assert steady.heightForWidth(240) == plain.heightForWidth(240) > small


def test_a_text_shown_on_older_hints_is_measured_when_their_time_is_up(
    qtbot, pair, monkeypatch
) -> None:
    steady, plain = pair
    monkeypatch.setattr(steady_label, "REMEASURE_SECONDS", 0.2)
    steady.setText("<b>bias b = 0.5</b>")
    one_line = steady.heightForWidth(120)
    # Same form, numbers long enough for a second line; then no more text (training paused).
    text = "<b>bias b = 0.5000000000000001234567</b>"
    steady.setText(text)
    plain.setText(text)
    assert steady.heightForWidth(120) == one_line < plain.heightForWidth(120)
    qtbot.waitUntil(lambda: steady.heightForWidth(120) == plain.heightForWidth(120), timeout=2000)
