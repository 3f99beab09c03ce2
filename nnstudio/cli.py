"""The ``nnstudio`` command: open the studio, or train, export, predict and check headlessly.

Usage::

    nnstudio [PROJECT]                                   open the studio
    nnstudio train PROJECT [--epochs N] [--save OUT]     train and report metrics
    nnstudio export PROJECT --format onnx -o model.onnx  write trained weights
    nnstudio predict PROJECT --input X.csv [-o OUT.csv]  run the trained network on a CSV file
    nnstudio gradcheck PROJECT [--entries K] [--dropout] compare backprop with finite differences
    nnstudio import MODEL.onnx -o OUT.nnproj             turn an ONNX MLP into a project
    nnstudio shot PROJECT -o studio.png                  screenshot of the studio

``predict`` reads standard input for ``--input -`` (a named pipe, ``/dev/stdin`` or a shell's
``<(...)`` can be given as the file too) and writes standard output by default (or for
``-o -``). A project whose data has no header row reads the input without one too (its
features are "column N"); ``--header``/``--no-header`` say otherwise. Every failure prints
one line, ``nnstudio: error: <message>``, to stderr and exits non-zero: 1
(:data:`EXIT_FAILURE`), 2 for a usage error, 130 when interrupted, and for ``gradcheck`` 3
(:data:`EXIT_UNMEASURED`) when no layer could be measured, so nothing was verified.

With ``NNSTUDIO_STARTUP_REPORT=FILE`` set, ``nnstudio [PROJECT]`` writes ``{"seconds": S}``
(process start to the first painted window) to FILE and quits; see :mod:`nnstudio.ui.app`.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import io
import math
import os
import re
import shlex
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from nnstudio import __version__
from nnstudio.errors import DataError, NNStudioError, ProjectFileError
from nnstudio.text import plural
from nnstudio.workflow import (
    GRADCHECK_EPSILON,
    GRADCHECK_MAX_EPSILON,
    GRADCHECK_MIN_EPSILON,
    GRADCHECK_SAMPLES,
    GRADCHECK_TOLERANCE,
    gradcheck_tolerance,
)

if TYPE_CHECKING:
    from nnstudio.data import CsvTable, ReadProgress
    from nnstudio.engine.gradcheck import GradCheckProgress, GradCheckReport
    from nnstudio.engine.trainer import Snapshot, Trainer
    from nnstudio.io.project import LoadedProject
    from nnstudio.spec import Project

#: ``perf_counter`` soon after the command started (start-up reports where ``/proc`` is missing).
STARTED_AT = time.perf_counter()

PROG = "nnstudio"
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
#: ``gradcheck`` could measure no layer (every one "in noise"): nothing was verified.
EXIT_UNMEASURED = 3
EXIT_INTERRUPTED = 130

COMMANDS = ("train", "export", "predict", "gradcheck", "import", "shot")


class CommandError(NNStudioError):
    """A command cannot do what was asked (bad combination of options, missing weights)."""


# --------------------------------------------------------------------------------------------
# Argument parsing
# --------------------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {_shown(text)}")
    return value


#: The smallest finite-difference step ``gradcheck --epsilon`` takes.
_SMALLEST_STEP = GRADCHECK_MIN_EPSILON


def _finite_difference_step(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {_shown(text)}") from None
    if not _SMALLEST_STEP <= value <= GRADCHECK_MAX_EPSILON:
        # Smaller steps only measure rounding noise; larger ones mostly the curvature (the
        # truncation error grows as ε², which the tolerance allows for up to 0.01).
        raise argparse.ArgumentTypeError(
            f"expected a step from {_SMALLEST_STEP:g} to {GRADCHECK_MAX_EPSILON:g}, "
            f"got {_shown(text)}"
        )
    return value


def _non_negative_int(text: str) -> int:
    value = _whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {_shown(text)}")
    return value


def _epoch_count(text: str) -> int:
    """An epoch count for ``--epochs``: 0 to the projects' limit."""
    from nnstudio.spec import MAX_EPOCHS

    value = _non_negative_int(text)
    if value > MAX_EPOCHS:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_EPOCHS:,} epochs, got {value:,}")
    return value


def _seed(text: str) -> int:
    """A training seed for ``--seed``: 0 to the projects' limit."""
    from nnstudio.spec import MAX_SEED

    value = _whole_number(text)
    if not 0 <= value <= MAX_SEED:  # one wording for both ends
        raise argparse.ArgumentTypeError(
            f"expected a seed from 0 to {MAX_SEED}, got {_shown(text.strip())}"
        )
    return value


def _whole_number(text: str) -> int:
    # int() also reads "1_0" as 10 and other scripts' digits: a typo would run silently.
    if not re.fullmatch(r"\s*[+-]?[0-9]+\s*", text):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {_shown(text)}")
    try:
        return int(text)
    except ValueError:  # thousands of digits, more than int() converts
        raise argparse.ArgumentTypeError(
            f"expected a whole number, got one of {len(text.strip())} digits"
        ) from None


def _shown(text: str, limit: int = 40) -> str:
    """``text`` quoted for a message, cut to ``limit`` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def parse_size(text: str) -> tuple[int, int]:
    """Parse ``"1600x1000"`` into ``(1600, 1000)``.

    Raises
    ------
    argparse.ArgumentTypeError
        When the text is not ``WIDTHxHEIGHT`` with both between 200 and 8000 pixels.
    """
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1600x1000, got {text!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if not (200 <= width <= 8000 and 200 <= height <= 8000):
        raise argparse.ArgumentTypeError(
            f"width and height must be between 200 and 8000 pixels, got {width}x{height}"
        )
    return width, height


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``nnstudio`` command and its subcommands."""
    from nnstudio.io.exporters import EXPORT_FORMATS

    parser = _Parser(
        prog=PROG,
        usage=f"{PROG} [-h] [--version] [PROJECT | COMMAND ...]",
        description=(
            "Design, train and watch neural networks learn. Without a command, opens the "
            "studio (optionally with PROJECT)."
        ),
        epilog="Run 'nnstudio COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    train = commands.add_parser(
        "train",
        prog=f"{PROG} train",
        help="train a project headlessly and report its metrics",
        description=(
            "Train a project and print the final training and validation metrics. Stored "
            "weights go on from the epoch and step they were saved at: without --epochs "
            "training stops at the project's epochs (nothing is trained when the weights got "
            "there already), --epochs N trains N more, and --reinit starts again from epoch 0. "
            "--save stores how far the weights got."
        ),
    )
    train.add_argument("project", metavar="PROJECT", help="the .nnproj file")
    train.add_argument(
        "--epochs",
        type=_epoch_count,
        metavar="N",
        help="train N more epochs, counted on from the epoch the stored weights had reached "
        "(default: train on up to the project's epochs)",
    )
    train.add_argument("--seed", type=_seed, help="seed of initialisation, shuffling and dropout")
    train.add_argument(
        "--reinit", action="store_true", help="ignore stored weights and start afresh"
    )
    train.add_argument(
        "--weights",
        metavar="FILE",
        help="start from the weights in FILE (.npz, .json or .safetensors)",
    )
    train.add_argument(
        "--save", metavar="OUT", help="write a project holding the trained weights to OUT.nnproj"
    )
    train.add_argument(
        "--threads",
        type=_thread_count,
        default="auto",
        metavar="N",
        help="BLAS threads for the matrix products: a number, or 'auto' (default) to measure "
        "1 against all cores for big networks and keep the faster",
    )
    train.add_argument("--quiet", "-q", action="store_true", help="no progress line")

    export = commands.add_parser(
        "export",
        prog=f"{PROG} export",
        help="write a project's trained weights in another format",
        description="Export trained weights. Formats: "
        + "; ".join(f"{f.name} ({f.description})" for f in EXPORT_FORMATS.values()),
    )
    export.add_argument("project", metavar="PROJECT", help="the .nnproj file")
    export.add_argument(
        "--format",
        "-f",
        choices=tuple(EXPORT_FORMATS),
        help="export format (default: from the output's suffix, e.g. .onnx)",
    )
    export.add_argument("-o", "--output", required=True, metavar="PATH", help="file to write")
    export.add_argument(
        "--untrained",
        action="store_true",
        help="export freshly initialised weights when the project holds none",
    )

    predict = commands.add_parser(
        "predict",
        prog=f"{PROG} predict",
        help="run a trained project on the rows of a CSV file",
        description=(
            "Predict for every row of a CSV file whose header names the project's features "
            "(other columns are ignored). A project whose data has no header row (features "
            "named 'column 2', 'column 3', ...) reads the input without one too: its rows are "
            "laid out as in the project's data, and the features are taken by position. "
            "Classification writes one p_<class> probability "
            "column per class (score_<class> when the output layer is neither softmax nor "
            "sigmoid) and the predicted label; regression one column per target."
        ),
    )
    predict.add_argument("project", metavar="PROJECT", help="the .nnproj file")
    predict.add_argument(
        "--input",
        "-i",
        required=True,
        metavar="X.csv",
        help="input CSV file, .csv.gz or named pipe ('-': standard input)",
    )
    predict.add_argument(
        "-o",
        "--output",
        metavar="OUT.csv",
        help="output CSV file (default, or '-': standard output)",
    )
    predict.add_argument(
        "--header",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="whether the input's first line names its columns (default: as the project's "
        "data; --no-header takes the features by position, as 'column N')",
    )
    predict.add_argument(
        "--decimal-comma",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="whether the input's numbers are written with a decimal comma, 0,5 for 0.5 "
        "(default: as the project's data says, else guessed from the input; "
        "--no-decimal-comma reads a comma never as a decimal mark)",
    )

    gradcheck = commands.add_parser(
        "gradcheck",
        prog=f"{PROG} gradcheck",
        help="compare backpropagation with finite differences",
        description=(
            "Compute every layer's gradients by backpropagation and by central differences "
            f"(float64) and report the relative errors; fails above {GRADCHECK_TOLERANCE:g} "
            "(above ε² for a step ε over 0.001, whose truncation error grows as ε²). A layer "
            "whose differences are all within rounding noise, even at the largest step, is "
            "'in noise': it neither passes nor fails the check."
        ),
        epilog=(
            f"Exit status: {EXIT_OK} when no layer fails (layers in noise neither pass nor "
            f"fail); {EXIT_FAILURE} when a layer fails or the check cannot run; {EXIT_USAGE} "
            f"for a usage error; {EXIT_UNMEASURED} when no layer could be measured (every "
            f"layer in noise), so nothing was verified; {EXIT_INTERRUPTED} when stopped by "
            "Ctrl+C."
        ),
    )
    gradcheck.add_argument("project", metavar="PROJECT", help="the .nnproj file")
    gradcheck.add_argument(
        "--samples",
        type=_positive_int,
        default=GRADCHECK_SAMPLES,
        help=f"examples to check on (default {GRADCHECK_SAMPLES})",
    )
    gradcheck.add_argument(
        "--epsilon",
        type=_finite_difference_step,
        default=GRADCHECK_EPSILON,
        help=(
            f"finite-difference step, from {_SMALLEST_STEP:g} to {GRADCHECK_MAX_EPSILON:g} "
            f"(default {GRADCHECK_EPSILON:g}); "
            "gradients too small for it to resolve are measured again with larger steps"
        ),
    )
    gradcheck.add_argument(
        "--entries",
        type=_positive_int,
        metavar="K",
        help=(
            "also list each layer's K entries that agree worst: backpropagation's value beside "
            "the numerical one, their difference and relative error"
        ),
    )
    gradcheck.add_argument(
        "--dropout",
        action="store_true",
        help=(
            "check with the layers' dropout on: one set of masks, drawn once, is used for "
            "every evaluation of the loss, so the differences stay valid (needs a layer with "
            "dropout)"
        ),
    )

    importer = commands.add_parser(
        "import",
        prog=f"{PROG} import",
        help="turn an ONNX model of an MLP into a project",
        description="Import an ONNX multilayer perceptron as a project with its weights.",
    )
    importer.add_argument("model", metavar="MODEL.onnx", help="the ONNX file")
    importer.add_argument(
        "-o", "--output", required=True, metavar="OUT.nnproj", help="project file to write"
    )

    shot = commands.add_parser(
        "shot",
        prog=f"{PROG} shot",
        help="save a screenshot of the studio showing a project",
        description="Open the studio offscreen on PROJECT and save a PNG screenshot.",
    )
    shot.add_argument("project", metavar="PROJECT", help="the .nnproj file")
    shot.add_argument("-o", "--output", required=True, metavar="PNG", help="image to write")
    shot.add_argument(
        "--train-epochs", type=_epoch_count, default=0, help="train this many epochs first"
    )
    shot.add_argument(
        "--size", type=parse_size, help="window size WIDTHxHEIGHT (default: the studio's)"
    )
    shot.add_argument("--panel", metavar="NAME", help="panel to show (e.g. data, weights)")
    shot.add_argument(
        "--select",
        metavar="WHAT",
        help=(
            "select on the canvas first, so Properties shows it: layer:K, neuron:K:I or "
            "edge:K:I:J (K a layer, 0 = inputs; I, J neurons, counted from 0)"
        ),
    )
    for command in (train, export, predict, gradcheck, importer, shot):
        # Usage errors found after parsing are reported by the command's own parser.
        command.set_defaults(command_parser=command)
    return parser


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


#: Plain forms of the studio's typography, for a console or file whose encoding lacks them
#: (a Windows code page has no "−"): "got -0.5" reads better than "got \\u22120.5".
_PLAIN_FORMS = {
    "\u2212": "-",  # minus sign
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2026": "...",
    "\u2192": "->",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u00d7": "x",
    "\u00b7": "*",
    "\u00b2": "^2",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
}
#: The codec error handler writing :data:`_PLAIN_FORMS` (see :func:`_plain_forms`).
PLAIN_ERRORS = "nnstudio-plain"


def _plain_forms(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: :data:`_PLAIN_FORMS` where known, else a backslash escape.

    Escaping keeps every other character readable and the output going: a class name no
    code page holds must not end a prediction run with an encoding traceback.
    """
    if not isinstance(error, UnicodeEncodeError):
        raise error
    unwritable = error.object[error.start : error.end]
    text = "".join(
        _PLAIN_FORMS.get(character) or character.encode("ascii", "backslashreplace").decode()
        for character in unwritable
    )
    return text, error.end


codecs.register_error(PLAIN_ERRORS, _plain_forms)


def _write_plainly_where_needed() -> None:
    """Let standard output and error write what their encoding lacks in plain forms."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)  # None: replaced or closed
        if reconfigure is None:
            continue
        try:
            reconfigure(errors=PLAIN_ERRORS)
        except (ValueError, OSError):  # ValueError: closed, or written with a pending read
            pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``nnstudio`` command and return its exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if sys.stderr is None:
        # Started with stderr closed (2>&-): messages and progress go nowhere, not to a crash.
        sys.stderr = open(os.devnull, "w")  # lives as long as the process
    _write_plainly_where_needed()
    try:
        # The studio's own forms skip building the parser of every command (start-up time).
        if not args_list:
            return _run_studio(None)
        project_first = not args_list[0].startswith("-") and args_list[0] not in COMMANDS
        if project_first and len(args_list) == 1:
            return _run_studio(args_list[0])  # ``nnstudio PROJECT``
        parser = build_parser()
        if project_first:
            # A project followed by more words: nothing takes them.
            parser.error(f"unexpected arguments after {args_list[0]}: {' '.join(args_list[1:])}")
        args = parser.parse_args(args_list)
        if args.command is None:
            return _run_studio(None)
        _refuse_empty_file_names(args.command_parser, args)
        handler: Callable[[argparse.Namespace], int] = _HANDLERS[args.command]
        return handler(args)
    except SystemExit as exit_request:  # argparse after --help, --version or a usage error
        code = exit_request.code
        return code if isinstance(code, int) else EXIT_USAGE if code else EXIT_OK
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of our output went away (``nnstudio predict ... | head``): stop quietly,
        # and keep Python from complaining when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILURE
    except NNStudioError as error:
        _error(str(error))
        return EXIT_FAILURE
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        _error(f"{where}{error.strerror or error}")
        return EXIT_FAILURE
    except MemoryError:
        _error("out of memory (try a smaller network, data set or batch)")
        return EXIT_FAILURE
    except Exception as error:  # a defect, still reported on one line
        if os.environ.get("NNSTUDIO_DEBUG"):
            raise
        _error(f"unexpected {type(error).__name__}: {error} (set NNSTUDIO_DEBUG=1 to see where)")
        return EXIT_FAILURE


#: The options naming files, by their ``argparse`` destination.
_FILE_OPTIONS = {
    "project": "PROJECT",
    "model": "MODEL.onnx",
    "input": "--input",
    "output": "-o/--output",
    "save": "--save",
    "weights": "--weights",
}


def _refuse_empty_file_names(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """A usage error for an empty file name (an unset shell variable, ``--save "$OUT"``).

    Unchecked, ``--save ""`` trained and saved nothing, ``--weights ""`` started from the
    stored weights and an empty PROJECT read the current folder.
    """
    for dest, option in _FILE_OPTIONS.items():
        if getattr(args, dest, None) == "":
            parser.error(f"{option} is an empty file name")


def _error(message: str) -> None:
    one_line = " ".join(str(message).split())
    _tell(sys.stderr, f"{PROG}: error: {one_line}\n")


def _note(message: str) -> None:
    _tell(sys.stderr, f"{PROG}: {message}\n")


def _tell(stream: TextIO, text: str) -> None:
    """Write a message or progress to ``stream`` (stderr), going on if it cannot be written.

    Standard error on a full disk or a closed pipe must not stop a training run (nor keep it
    from being saved): there is nowhere left to report it anyway.
    """
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):  # ValueError: the stream was closed
        pass


def _load(path: str, *, load_weights: bool = True) -> LoadedProject:
    from nnstudio.io.project import load_project

    return load_project(path, load_weights=load_weights)


# --------------------------------------------------------------------------------------------
# Studio and screenshots
# --------------------------------------------------------------------------------------------


def _import_studio(function: str) -> Any:
    """Import a function of ``nnstudio.ui.app``, explaining what is missing if it fails."""
    try:
        import nnstudio.ui.app as app
    except ImportError as error:
        missing = (error.name or "").partition(".")[0]
        if missing in ("PySide6", "shiboken6", "pyqtgraph"):
            raise NNStudioError(
                f"the studio needs {missing}, which cannot be imported ({error}); install it "
                "with pip install nnstudio, or use the train/export/predict commands"
            ) from error
        raise NNStudioError(
            f"the studio is not available in this installation ({error}); the train, export, "
            "predict and gradcheck commands still work"
        ) from error
    return getattr(app, function)


def _run_studio(project: str | None) -> int:
    if project is not None:
        path = Path(project)
        if not path.exists():
            raise ProjectFileError(f"project file {path} does not exist")
        if path.is_dir():
            raise ProjectFileError(f"{path} is a folder, not a project file")
    _check_display()
    run_studio = _import_studio("run_studio")
    return int(run_studio(project) or 0)


def _check_display() -> None:
    """Fail with a message, rather than a Qt abort, when Linux has no display to open."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise NNStudioError(
            "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set): the studio needs a "
            "graphical desktop; the train, export, predict, gradcheck and shot commands work "
            "without one"
        )


def _command_shot(args: argparse.Namespace) -> int:
    project = Path(args.project)
    if project.is_dir():
        raise ProjectFileError(f"{project} is a folder, not a project file")
    if not project.is_file():
        raise ProjectFileError(f"project file {project} does not exist")
    output = Path(args.output)
    if output.suffix.lower() != ".png":
        raise CommandError(f"the screenshot is a PNG image: name it *.png, not {output.name}")
    _check_output_folder(output, "cannot write")
    take_screenshot = _import_studio("take_screenshot")
    options: dict[str, Any] = {
        "train_epochs": args.train_epochs,
        "panel": args.panel,
        "select": args.select,
    }
    if args.size is not None:
        options["size"] = args.size
    take_screenshot(project, output, **options)
    _note(f"wrote {output}")
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# train
# --------------------------------------------------------------------------------------------


#: The reading line appears after this many seconds and is redrawn at most this often.
_READING_DELAY = 0.5
_READING_REDRAW = 0.1


def _reading_line(name: str, stream: TextIO) -> ReadProgress:
    """Progress of reading a project's data: an in-place line on a terminal, else silent.

    A read that ends within half a second prints nothing; the line is erased when the read
    ends, so the command's own output starts on a clean line.
    """
    from nnstudio.data import ReadProgress

    class ReadingLine(ReadProgress):
        def __init__(self) -> None:
            super().__init__()
            self.interactive = stream.isatty()
            self.start = time.monotonic()
            self.last_shown = -math.inf
            self.width = 0

        def report(self, done: float, stage: str | None = None) -> None:
            super().report(done, stage)
            now = time.monotonic()
            if (
                not self.interactive
                or now - self.start < _READING_DELAY
                or now - self.last_shown < _READING_REDRAW
            ):
                return
            self.last_shown = now
            stage_text = f"{self.stage.lower()} " if self.stage else ""
            line = f"{name}: {stage_text}{math.floor(100 * self.fraction)}%"
            _tell(stream, "\r" + line + " " * max(0, self.width - len(line)))
            self.width = len(line)

        def close(self) -> None:
            if self.width:
                _tell(stream, "\r" + " " * self.width + "\r")
                self.width = 0

    return ReadingLine()


class _Progress:
    """The progress line on stderr: rewritten in place on a terminal, periodic otherwise."""

    def __init__(
        self, total_epochs: int | None, stream: TextIO, *, quiet: bool, start_epoch: int = 0
    ) -> None:
        self.total = total_epochs
        #: The epoch the run counts on from (the stored weights'): the ETA and the lines of a
        #: non-interactive run are measured over the epochs of this run.
        self.start_epoch = start_epoch
        self.stream = stream
        self.quiet = quiet
        self.interactive = stream.isatty()
        self.start = time.monotonic()
        self.last_shown = -math.inf
        self.last_epoch_shown = -1
        self.width = 0

    def update(self, epoch: int, train_loss: float | None, val_loss: float | None) -> None:
        """Show progress after ``epoch`` completed epochs."""
        if self.quiet:
            return
        now = time.monotonic()
        finished = self.total is not None and epoch >= self.total
        interval = 0.1 if self.interactive else 5.0
        if not self.interactive and self.total:
            # A line per tenth of the run, and at least one every few seconds.
            start = self.start_epoch
            tenth = max(1, (self.total - start) // 10)
            due = (epoch - start) // tenth != (self.last_epoch_shown - start) // tenth
        else:
            due = False
        if not (finished or due or now - self.last_shown >= interval):
            return
        if epoch == self.last_epoch_shown:
            return
        self.last_shown = now
        self.last_epoch_shown = epoch
        line = self._line(epoch, train_loss, val_loss, now - self.start)
        if self.interactive:
            padding = " " * max(0, self.width - len(line))
            _tell(self.stream, "\r" + line + padding)
            self.width = len(line)
        else:
            _tell(self.stream, line + "\n")

    def _line(
        self, epoch: int, train_loss: float | None, val_loss: float | None, elapsed: float
    ) -> str:
        total = f"/{self.total}" if self.total is not None else ""
        parts = [f"epoch {epoch}{total}"]
        if train_loss is not None:
            parts.append(f"loss {train_loss:.4g}")
        if val_loss is not None:
            parts.append(f"val_loss {val_loss:.4g}")
        done = epoch - self.start_epoch
        if self.total and done > 0:
            remaining = elapsed / done * (self.total - epoch)
            parts.append(f"ETA {_duration(remaining)}")
        else:
            parts.append(f"elapsed {_duration(elapsed)}")
        return "  ".join(parts)

    def close(self) -> None:
        """End the in-place line so the next output starts on its own line."""
        if not self.quiet and self.interactive and self.width:
            _tell(self.stream, "\n")


def _duration(seconds: float) -> str:
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole}s"
    minutes, seconds = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


#: The signals that stop a training run early, with how messages name them.
_STOP_SIGNALS = {signal.SIGINT: "Ctrl+C", signal.SIGTERM: "SIGTERM"}


class _StopOnInterrupt:
    """While active, the first Ctrl+C (or SIGTERM) calls ``request_stop``; a second aborts.

    ``train`` asks its trainer to stop (the weights trained so far are still saved);
    ``gradcheck`` stops its check before the next evaluation of the loss. SIGTERM is what
    ``kill``, ``timeout`` and batch schedulers send at a time limit: like Ctrl+C it ends the
    work early and cleanly.
    """

    def __init__(self, request_stop: Callable[[], None]) -> None:
        self.request_stop = request_stop
        self.interrupted = False
        #: How the stopping signal is named ("Ctrl+C"), once one came.
        self.by = ""
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> _StopOnInterrupt:
        # Signal handlers can only be installed from the main thread (main() may run elsewhere
        # when embedded); there Ctrl+C keeps its default behaviour.
        if threading.current_thread() is threading.main_thread():
            for number in _STOP_SIGNALS:
                self.previous[number] = signal.getsignal(number)
                signal.signal(number, self._handle)
        return self

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.interrupted:
            raise KeyboardInterrupt
        self.interrupted = True
        self.by = _STOP_SIGNALS.get(signal.Signals(signum), "a signal")
        self.request_stop()

    def __exit__(self, *_exc: object) -> None:
        for number, previous in self.previous.items():
            if previous is not None:
                signal.signal(number, previous)


def _thread_count(text: str) -> int | str:
    """``auto`` or a thread count from 1 to 256 (for ``--threads``)."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        value = _whole_number(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected 'auto' or a whole number, got {_shown(text)}"
        ) from None
    if not 1 <= value <= 256:
        raise argparse.ArgumentTypeError(f"expected 1 to 256 threads, got {value}")
    return value


def _command_train(args: argparse.Namespace) -> int:
    from nnstudio.engine.threads import choose_training_threads, limit_blas_threads
    from nnstudio.io.project import WeightsFileError, save_project
    from nnstudio.io.weights import load_weights_file, read_training_position
    from nnstudio.workflow import load_for_training, make_trainer, trained_names_problem

    if args.reinit and args.weights:
        raise CommandError("--reinit and --weights contradict each other; give one of them")
    save_path = _project_output(args.save, "--save") if args.save else None
    # Stored weights are skipped, not checked, when starting afresh: they may no longer fit.
    fresh_start = bool(args.reinit or args.weights)
    try:
        loaded = _load(args.project, load_weights=not fresh_start)
    except WeightsFileError as error:
        raise WeightsFileError(
            error.reason, "--reinit trains from fresh weights instead"
        ) from error
    project = loaded.project
    saved_training = training = project.training
    weights = loaded.weights
    # How far the weights were trained: the run counts on from there (fresh ones from 0).
    position = loaded.training_position
    if args.weights:
        weights = load_weights_file(args.weights, project.network, project.training.dtype)
        position = read_training_position(args.weights)
    if args.epochs is not None:
        # --epochs is this run's length; the trainer's count ends at an epoch.
        training = replace(training, epochs=_epochs_after(position[0], args.epochs))
    if args.seed is not None:
        training = replace(training, seed=args.seed)
    project = replace(project, training=training)
    loaded = replace(loaded, project=project, weights=weights, training_position=position)
    _require_data_file(loaded, "trains on")
    reading = _reading_line(_data_name(loaded), sys.stderr)
    try:
        with _reading_project_data(loaded):
            project, network, dataset = load_for_training(
                loaded, reinit=args.reinit, check_dtype=True, progress=reading
            )
    finally:
        reading.close()
    if loaded.weights is not None and not fresh_start:
        # Continuing stored weights on data with other names would train another model.
        problem = trained_names_problem(loaded.project, dataset)
        if problem is not None:
            raise CommandError(
                f"{Path(args.project).name}: its weights were trained on {problem} "
                f"({_data_name(loaded)} data). Choose the model's data in the studio, or "
                "train fresh weights on this data with --reinit"
            )
    if args.weights:
        from nnstudio.io.weights import weights_file_mismatches

        # The shapes fit, but weights trained for another computation only seem to.
        for mismatch in weights_file_mismatches(args.weights, project):
            _note(f"warning: {mismatch}")

    if not args.quiet:
        start = "stored weights" if loaded.weights is not None and not args.reinit else "fresh"
        if args.weights:
            start = f"weights from {Path(args.weights).name}"
        _note(
            f"training {project.network.describe()} on {dataset.describe()} "
            f"({training.optimizer}, learning rate {training.learning_rate:g}, start: {start})"
        )
        if dataset.skipped_rows:
            from nnstudio.data import skipped_lines_text

            _note(
                f"note: {plural(dataset.skipped_rows, 'row')} with missing values left out "
                f"(skip_missing): {skipped_lines_text(dataset)}"
            )
        for note in dataset.class_notes:
            _note(f"note: {note}")
        if training.epochs is None:
            _note("the project sets no epoch count: training until Ctrl+C")
        continuing = _continuation_text(position, training.epochs, args.epochs)
        if continuing is not None:
            _note(continuing)
    trained_enough = args.epochs is None and _trained_enough(position[0], training.epochs)
    if trained_enough:
        # Said even with --quiet: the run trains nothing, which a script should hear of.
        _note(trained_enough)

    trainer = make_trainer(project, network, dataset, start=position)
    threads = choose_training_threads(trainer) if args.threads == "auto" else args.threads
    limit_blas_threads(threads)
    if not args.quiet:
        how = "measured fastest" if args.threads == "auto" else "as asked"
        noun = "BLAS thread" if threads == 1 else "BLAS threads"
        _note(f"matrix products on {threads} {noun} ({how})")
    status, message = "finished", ""
    if not trainer.is_done:
        status, message = _run_training(trainer, training.epochs, quiet=args.quiet)
    # --epochs and --seed apply to this run only; the saved project keeps its settings.
    to_save = replace(project, training=saved_training)

    def save_run(path: Path) -> Project:
        """Save the run's weights with how far they got: training it again counts on."""
        return save_project(
            path,
            to_save,
            network.weights(),
            source_dir=loaded.base_dir,
            position=trainer.weights_position,
        )

    if status == "diverged":
        _error(message or "training diverged (the loss became infinite or NaN)")
        if save_path is not None and trainer.step_count == 0:
            # Not one update was made: the starting weights are all there is, nothing to keep.
            _note(f"nothing saved to {save_path}: training stopped before its first update")
        elif save_path is not None:
            # As after Ctrl+C, the run so far is kept: the trainer restored the last finite
            # weights, which may hold many epochs of work.
            saved = save_run(save_path)
            _note(
                f"warning: the run diverged; saved its last finite weights (from before the "
                f"step that diverged) to {save_path} (weights in {saved.weights})"
            )
        return EXIT_FAILURE
    if message and not args.quiet:
        _note(message)
    if trainer.warning is not None:
        _note(f"warning: {trainer.warning}")  # even with --quiet: the result is not usable
    final = trainer.snapshot()
    saved_note = None
    if save_path is not None:
        # Saved before the metrics are printed: a full disk or a closed pipe on standard
        # output must not lose the run.
        saved = save_run(save_path)
        saved_note = (
            f"saved {save_path} (weights in {saved.weights}, trained for "
            f"{plural(trainer.weights_position[0], 'epoch')})"
        )
    report = f"train: {_metrics_text(final, 'train')} ({plural(dataset.n_train, 'example')})\n"
    if final.val_loss is not None:
        report += (
            f"validation: {_metrics_text(final, 'val')} ({plural(dataset.n_val, 'example')})\n"
        )
    try:
        if sys.stdout is not None:
            _write_stdout(report, "the metrics")
    finally:
        if saved_note is not None:
            _note(saved_note)
    return EXIT_INTERRUPTED if status == "interrupted" else EXIT_OK


def _epochs_after(done: int, more: int) -> int:
    """The epoch a run of ``more`` epochs from epoch ``done`` ends at (``--epochs``).

    Raises
    ------
    CommandError
        When it lies beyond the epochs a project can count to.
    """
    from nnstudio.spec import MAX_EPOCHS

    end = done + more
    if end > MAX_EPOCHS:
        raise CommandError(
            f"--epochs {more:,} would train the weights, at epoch {done:,} already, to epoch "
            f"{end:,}, beyond the {MAX_EPOCHS:,} a run can count to; train at most "
            f"{MAX_EPOCHS - done:,} more, or start afresh with --reinit"
        )
    return end


def _continuation_text(start: tuple[int, int], end: int | None, more: int | None) -> str | None:
    """What ``train`` says about counting on from stored weights trained to ``start``.

    ``end`` is the epoch the run ends at (``None``: until stopped), ``more`` the ``--epochs``
    given (``None``: none). ``None`` for weights no run has trained (the count starts at 0).
    """
    epoch, step = start
    if (epoch, step) == (0, 0):
        return None
    text = f"continuing from epoch {epoch:,}, step {step:,}, where the weights were saved"
    if end is None or end <= epoch:
        return text  # until stopped, or nothing to train (said on its own)
    if more is not None:
        return f"{text}: {plural(more, 'more epoch')}, to epoch {end:,}"
    return f"{text}: {plural(end - epoch, 'more epoch')}, up to the project's {end:,}"


def _trained_enough(done: int, end: int | None) -> str:
    """Why a run to the project's ``end`` trains nothing from epoch ``done`` ("" when it does)."""
    if end is None or done < end or done == 0:
        return ""
    than = "as many as" if done == end else f"more than the {end:,}"
    return (
        f"the weights were trained for {plural(done, 'epoch')} already, {than} the project "
        "sets: nothing to train (--epochs N trains N more; --reinit starts afresh)"
    )


def _metrics_text(snapshot: Snapshot, split: str) -> str:
    """``"loss 0.123, accuracy 97.5%"`` or ``"loss 0.01, RMSE 0.1, R² 0.98"`` for a split."""
    loss = getattr(snapshot, f"{split}_loss")
    accuracy = getattr(snapshot, f"{split}_accuracy")
    rmse = getattr(snapshot, f"{split}_rmse")
    r2 = getattr(snapshot, f"{split}_r2")
    parts = [f"loss {loss:.4g}"]
    if accuracy is not None:
        parts.append(f"accuracy {100 * accuracy:.1f}%")
    if rmse is not None:
        parts.append(f"RMSE {rmse:.4g}")
    if r2 is not None:
        parts.append(f"R² {r2:.4f}")
    return ", ".join(parts)


def _run_training(trainer: Trainer, epochs: int | None, *, quiet: bool) -> tuple[str, str]:
    """Run ``trainer`` to the end with a progress line; return its final status and message.

    ``epochs`` is the epoch the run ends at (the trainer may count on from stored weights'
    epoch). The status is the trainer's (``"finished"``, ``"early_stopped"``,
    ``"diverged"``, ...) or ``"interrupted"`` when Ctrl+C stopped the run.
    """
    first_epoch = trainer.start[0]
    progress = _Progress(epochs, sys.stderr, quiet=quiet, start_epoch=first_epoch)

    def on_snapshot(snapshot: Snapshot) -> None:
        progress.update(snapshot.epoch, snapshot.train_loss, snapshot.val_loss)

    # Snapshots copy the weights: a few hundred per run keep the progress line lively.
    every = max(1, ((epochs or 0) - first_epoch) // 200)
    with _StopOnInterrupt(trainer.request_stop) as guard:
        try:
            final = trainer.run(
                None if quiet else on_snapshot,
                snapshot_every_epochs=every,
                snapshot_every_seconds=None if quiet else 0.5,
            )
        finally:
            progress.close()
    if guard.interrupted and final.status == "stopped":
        ran = plural(final.epoch - first_epoch, "epoch")
        if first_epoch == 0:
            return "interrupted", f"stopped by {guard.by} after {ran}"
        return "interrupted", f"stopped by {guard.by} at epoch {final.epoch:,}, after {ran} more"
    return final.status, final.message


def _check_output_folder(output: Path, failure: str) -> None:
    """Fail unless a file can be written at ``output``: its folder exists, is a folder and is
    writable. ``failure`` begins the message (``"cannot write"``); the rest is the Export
    dialog's (:func:`~nnstudio.io.exporters.folder_problem`).

    Raises
    ------
    ProjectFileError
        Naming ``output`` and what stands in the way.
    """
    from nnstudio.io.exporters import folder_problem

    problem = folder_problem(output)
    if problem is not None:
        raise ProjectFileError(f"{failure} {output}: {problem}")


def _project_output(path: str, option: str) -> Path:
    """The project file ``option`` names, checked before any work is done."""
    output = Path(path).expanduser()
    if output.suffix != ".nnproj":
        raise CommandError(f"{option} needs a .nnproj file name, not {output.name}")
    from nnstudio.io.project import project_name_problem, weights_path_for

    # Found after training, a name too long, a folder in the way or a read-only folder would
    # cost the run.
    problem = project_name_problem(output)
    if problem is not None:
        raise ProjectFileError(f"cannot write {output}: {problem}")
    for target in (output, weights_path_for(output)):
        if target.is_dir():
            raise ProjectFileError(f"cannot write {target}: it is a folder")
    _check_output_folder(output, "cannot write")
    return output


# --------------------------------------------------------------------------------------------
# export
# --------------------------------------------------------------------------------------------


def _command_export(args: argparse.Namespace) -> int:
    from nnstudio.io.exporters import EXPORT_FORMATS, export, format_for_path, suffix_conflict
    from nnstudio.workflow import load_for_training

    fmt = args.format
    if args.output == "-":
        # Some formats are several files (a script beside its weights): no standard output.
        suffix = EXPORT_FORMATS[fmt or "npz"].suffix
        raise CommandError(
            f"export writes files, not standard output: give a file name such as "
            f"{Path(args.project).stem}{suffix}"
        )
    output = Path(args.output).expanduser()
    if output.is_dir():
        # The Export dialog names a file in a chosen folder itself, but that naming is Qt code
        # the command line does not load: an example file name says what to give instead.
        suffix = EXPORT_FORMATS[fmt or "npz"].suffix
        example = output / f"{Path(args.project).stem}{suffix}"
        raise CommandError(f"{output} is a folder: give a file name such as {example}")
    if args.output.endswith(("/", os.sep)):  # Path() drops the separator that names a folder
        raise ProjectFileError(
            f"cannot export to {args.output}: the folder {output} does not exist"
        )
    _check_output_folder(output, "cannot export to")
    if fmt is None:
        guessed = format_for_path(args.output)
        if guessed is None:
            raise CommandError(
                f"cannot tell the export format from {Path(args.output).name!r}; give --format "
                f"({', '.join(EXPORT_FORMATS)})"
            )
        fmt = guessed.name
    loaded = _load(args.project)
    _refuse_overwriting_inputs(args.output, loaded)
    conflict = suffix_conflict(fmt, args.output)
    if conflict is not None:
        # Tools go by the suffix: such a file would be read as the wrong format.
        raise CommandError(conflict)
    project, weights = loaded.project, loaded.weights
    if weights is None:
        if not args.untrained:
            raise CommandError(
                f"{loaded.path.name} holds no trained weights; train it first with "
                f"nnstudio train {args.project} --save {loaded.path.stem}-trained.nnproj, "
                "or pass --untrained to export freshly initialised weights"
            )
        # Fresh weights come with the input standardisation of the data, which must exist.
        _require_data_file(loaded, "needs for --untrained weights")
        with _reading_project_data(loaded):
            project, network, _dataset = load_for_training(loaded, reinit=True)
        weights = network.weights()
    written = export(fmt, project, weights, Path(args.output))
    for path in written:
        _note(f"wrote {path}")
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# predict
# --------------------------------------------------------------------------------------------


def _feature_names(loaded: LoadedProject) -> tuple[str, ...]:
    """The project's input names, from the file or (for older files) from its data."""
    if loaded.project.feature_names is not None:
        return loaded.project.feature_names
    from nnstudio.data import load_dataset

    _require_data_file(loaded, "stores no feature names, so its input columns come from")
    with _reading_project_data(loaded):
        dataset = load_dataset(loaded.project.data, loaded.base_dir)
    if dataset.n_features != loaded.project.network.inputs:
        raise DataError(
            f"{loaded.path.name} stores no feature names and its data has "
            f"{dataset.n_features} features for {loaded.project.network.inputs} inputs"
        )
    return tuple(dataset.feature_names)


@contextmanager
def _reading_project_data(loaded: LoadedProject) -> Iterator[None]:
    """Reading a project's data: missing values are refused with how the project skips them.

    As the import dialog points to its "Skip rows with missing values" box, the command line
    points to the project's ``skip_missing`` key (a prediction's input has no such choice).
    """
    from nnstudio.data import MissingValues

    try:
        yield
    except MissingValues as error:
        rows = len(error.rows)
        which = "this row" if rows == 1 else f"these {rows:,} rows"
        raise DataError(
            f'{error}. Or set "skip_missing": true in the "data" of {loaded.path.name} to '
            f"leave {which} out"
        ) from error


def _data_name(loaded: LoadedProject) -> str:
    """How the reading line names a project's data: its CSV file, or the built-in set."""
    from nnstudio.spec import CsvData

    spec = loaded.project.data
    return Path(spec.csv).name if isinstance(spec, CsvData) else f"the built-in {spec.builtin}"


def _require_data_file(loaded: LoadedProject, why: str) -> None:
    """Fail, saying what to do, when the project's CSV data file does not exist.

    An imported project points at a ``data.csv`` nobody has written yet; the reader's bare
    "file not found" would not say that the project needs its data, nor how to give it some.
    """
    from nnstudio.data import resolve_csv_path
    from nnstudio.spec import CsvData

    spec = loaded.project.data
    if not isinstance(spec, CsvData):
        return
    path = resolve_csv_path(spec, loaded.base_dir)
    if path.exists():
        return
    targets = ", ".join(spec.target)
    # A project read without a header names its columns "column 1", "column 2", ...
    layout = "without a header row" if spec.header is False else "with a header row"
    raise DataError(
        f"{loaded.path.name} {why} its data file {spec.csv}, which is missing ({path}); save "
        f"the data there as a CSV file {layout} (target column"
        f"{'s' if len(spec.target) > 1 else ''}: {targets}), or open the project in the studio "
        f"(nnstudio {_quoted(loaded.path)}) and choose its data with Open CSV… in the Data panel"
    )


def _refuse_overwriting_inputs(
    output: str | Path, loaded: LoadedProject, *, more: Sequence[tuple[str, str]] = ()
) -> None:
    """Fail before any work when ``output`` is a file the command reads.

    A mistyped ``-o`` naming the project, its weights or its data would replace them with
    predictions or an export: that work would be lost for good.

    Parameters
    ----------
    output : path-like
        The file the command is asked to write.
    loaded : LoadedProject
        The project read; its file, its weights file and its CSV data file are protected.
    more : sequence of (str, str)
        Further ``(path, what it is)`` pairs the command reads, e.g. the ``--input`` CSV.

    Raises
    ------
    CommandError
        Naming the output and what it would destroy.
    """
    from nnstudio.io.exporters import own_file_problem

    problem = own_file_problem(output, loaded.project, loaded.path, loaded.base_dir, more=more)
    if problem is not None:
        raise CommandError(f"will not write {output}: {problem}; choose another output file")


def _quoted(path: Path) -> str:
    """``path`` as a shell word, for commands suggested in messages."""
    import shlex

    return shlex.quote(str(path))


def _command_predict(args: argparse.Namespace) -> int:
    from nnstudio.workflow import predict

    loaded = _load(args.project)
    if loaded.weights is None:
        raise CommandError(
            f"{loaded.path.name} holds no trained weights; train it first with "
            f"nnstudio train {args.project} --save {loaded.path.stem}-trained.nnproj"
        )
    if args.output and args.output != "-":
        inputs = [] if args.input == "-" else [(args.input, "the input file")]
        _refuse_overwriting_inputs(args.output, loaded, more=inputs)
    from nnstudio.data import plane_feature_columns
    from nnstudio.spec import plane_features_read

    features = _feature_names(loaded)
    header = _input_header(loaded, args.header)
    if header is False:
        _require_positional(loaded, features, args.input)
    table = _read_input_table(args.input, header, _input_decimal_comma(loaded, args))
    if header is False:
        _require_columns(table, loaded, features)
    missing = [name for name in features if name not in table.header]
    plane = plane_features_read(loaded.project.data, loaded.project.feature_names)
    if missing and plane is not None and {"x1", "x2"} <= set(table.header):
        # Points of the plane: their features are computed as in training.
        X = plane_feature_columns(table.to_floats(("x1", "x2"), role="input"), plane)
    elif missing:
        alternative = " or the points' columns x1 and x2" if plane is not None else ""
        # Features named by position are found in a file read without a header.
        positional = "; --no-header takes them by position"
        hint = positional if header and _feature_positions(features) is not None else ""
        raise DataError(
            f"{table.name} lacks the feature column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (the project needs {', '.join(features)}{alternative}{hint})"
        )
    else:
        try:
            X = table.to_floats(tuple(features), role="input")
        except DataError as error:
            first = table.line_numbers[0] if table.line_numbers else None
            if header is False and args.header is None and f"line {first}," in str(error):
                # Read without a header as the project's data is: maybe the input has one.
                raise DataError(
                    f"{error}; if line {first} names the columns, pass --header"
                ) from error
            raise
    prediction = predict(loaded.project, loaded.weights, X)
    text = _prediction_csv(prediction)
    if args.output and args.output != "-":
        from nnstudio.io.weights import atomic_write_text

        atomic_write_text(Path(args.output), text)
        noun = "prediction" if len(X) == 1 else "predictions"
        _note(f"wrote {len(X):,} {noun} to {args.output}")
    else:
        _write_stdout(text, "the predictions")
    return EXIT_OK


def _write_stdout(text: str, what: str) -> None:
    """Write ``text`` to standard output now, saying what failed if it cannot be written.

    Flushed here: a full disk (``> /dev/full``) would otherwise only show at exit, as a bare
    "No space left on device".
    """
    if sys.stdout is None:
        raise CommandError(f"standard output is closed; write {what} to a file with -o FILE")
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        raise CommandError(
            f"cannot write {what} to standard output: {error.strerror or error}"
        ) from error


def _input_header(loaded: LoadedProject, stated: bool | None) -> bool | None:
    """How ``predict`` reads its input's first line, as ``read_csv_table``'s ``header``.

    ``--header``/``--no-header`` when given; else without a header when the project's data
    is read so (its features are then "column N", which no header of the input would name).
    """
    from nnstudio.spec import CsvData

    if stated is not None:
        return stated
    data = loaded.project.data
    return False if isinstance(data, CsvData) and data.header is False else None


def _input_decimal_comma(loaded: LoadedProject, args: argparse.Namespace) -> bool | None:
    """How ``predict`` reads its input's numbers, as ``read_csv_table``'s ``decimal_comma``:
    as ``--decimal-comma``/``--no-decimal-comma`` say when given; else as the project's CSV
    data says (a decimal comma, or a decimal point), else guessed from the input. A file like
    the data reads as the data does, ``1,303`` included, which no guess can tell from a
    thousands separator.
    """
    from nnstudio.spec import CsvData

    if args.decimal_comma is not None:
        return bool(args.decimal_comma)
    data = loaded.project.data
    return data.decimal_comma if isinstance(data, CsvData) else None


def _feature_positions(features: Sequence[str]) -> list[int] | None:
    """The 1-based columns the features "column N" name, or ``None`` for other names."""
    found = [re.fullmatch(r"column ([1-9][0-9]*)", name) for name in features]
    if not all(found):
        return None
    return [int(match.group(1)) for match in found if match is not None]


def _require_positional(loaded: LoadedProject, features: Sequence[str], source: str) -> None:
    """Fail before reading when a headerless input cannot give the project's features: only
    features named by position ("column N", from data without a header) can be found so."""
    if _feature_positions(features) is not None:
        return
    name = "the input" if source == "-" else Path(source).name
    raise CommandError(
        f"--no-header reads {name} without column names, but {loaded.path.name} names its "
        f"features ({', '.join(features)}); add a header row naming them to the input and "
        "leave out --no-header"
    )


def _require_columns(table: CsvTable, loaded: LoadedProject, features: Sequence[str]) -> None:
    """Fail with one line when a headerless input has too few columns for the features'
    positions (the input's rows must be laid out as the project's data)."""
    positions = _feature_positions(features)
    assert positions is not None
    needed = max(positions, default=0)
    if table.n_columns >= needed:
        return
    places = " and ".join(
        filter(None, [", ".join(str(p) for p in positions[:-1]), str(positions[-1])])
    )
    raise DataError(
        f"{table.name}: has {plural(table.n_columns, 'column')} and no header row, but "
        f"{loaded.path.name} takes its features from column{'s' if len(positions) > 1 else ''} "
        f"{places} (as in its data, which has no header row either); give each line as laid "
        f"out in the project's data, with at least {needed} columns"
    )


def _read_input_table(
    source: str, header: bool | None = None, decimal_comma: bool | None = None
) -> CsvTable:
    """The CSV table of ``--input``; ``-`` reads standard input.

    ``header`` and ``decimal_comma`` are ``read_csv_table``'s: ``None`` (a header, and a
    first line that looks like data is refused; a decimal comma when the file looks so),
    ``True`` or ``False``.
    """
    from nnstudio.data import read_csv_table

    if source != "-":
        reading = _reading_line(Path(source).name, sys.stderr)
        try:
            return read_csv_table(source, reading, header=header, decimal_comma=decimal_comma)
        finally:
            reading.close()
    if sys.stdin is None:
        raise CommandError("--input - reads standard input, but there is none")
    data = sys.stdin.buffer.read()
    # The reader takes a file (it looks at the first line before parsing); messages name
    # the table "stdin".
    name = "stdin.gz" if data[:2] == b"\x1f\x8b" else "stdin"
    with tempfile.TemporaryDirectory(prefix="nnstudio-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return read_csv_table(path, header=header, decimal_comma=decimal_comma)


def _prediction_csv(prediction: Any) -> str:
    """Predictions as CSV text: ``p_<class>`` (or ``score_<class>``) columns and ``label``,
    or one column per target."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if prediction.task == "classification":
        if prediction.probabilities is not None:
            header = [f"p_{name}" for name in prediction.output_names]
            values = prediction.probabilities
        else:
            header = [f"score_{name}" for name in prediction.output_names]
            values = prediction.outputs
        writer.writerow([*header, "label"])
        cells = _format_numbers(values)
        writer.writerows([*row, label] for row, label in zip(cells, prediction.labels, strict=True))
    else:
        writer.writerow(list(prediction.output_names))
        writer.writerows(_format_numbers(prediction.outputs))
    return buffer.getvalue()


def _format_numbers(values: np.ndarray) -> list[list[str]]:
    """Numbers as text with 10 significant digits (ample for float32 outputs)."""
    return np.char.mod("%.10g", np.asarray(values, dtype=np.float64)).tolist()


# --------------------------------------------------------------------------------------------
# gradcheck
# --------------------------------------------------------------------------------------------


#: Seconds between two redraws of the gradient check's progress line (about 10 a second).
_GRADCHECK_REDRAW = 0.1


class _GradCheckLine:
    """The gradient check's progress on a terminal: one line on stderr, rewritten in place.

    Off a terminal (a pipe, a log file) it shows nothing: what such a reader takes is the
    report on standard output, and standard error keeps to notes and errors. It still keeps
    the latest progress, so a message can say where a stopped check was.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        try:
            self.interactive = stream.isatty()
        except (OSError, ValueError):  # ValueError: the stream was closed
            self.interactive = False
        self.start = time.monotonic()
        # The first line waits one redraw interval: a quick check flashes nothing.
        self.last_shown = self.start
        self.width = 0
        self.latest: GradCheckProgress | None = None

    def update(self, progress: GradCheckProgress) -> None:
        """Remember ``progress`` and show it if the line is due for a redraw."""
        self.latest = progress
        if not self.interactive:
            return
        now = time.monotonic()
        if now - self.last_shown < _GRADCHECK_REDRAW:
            return
        self.last_shown = now
        line = _gradcheck_progress_text(progress, now - self.start)
        # A line longer than the terminal wraps, and the next redraw could not overwrite it.
        line = line[: max(20, self._columns() - 1)]
        padding = " " * max(0, self.width - len(line))
        _tell(self.stream, "\r" + line + padding)
        self.width = len(line)

    def _columns(self) -> int:
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            columns = 0
        return columns or 80  # 0: a terminal that does not say

    def clear(self) -> None:
        """Blank the line, so the report or a message starts at the left edge."""
        if self.width:
            _tell(self.stream, "\r" + " " * self.width + "\r")
            self.width = 0


def _gradcheck_progress_text(progress: GradCheckProgress, elapsed: float) -> str:
    """``"checking layer 2/3 weights 120/200  37%  elapsed 12s"`` (with a re-measurement's step)."""
    what = f"layer {progress.layer}/{progress.layers} {progress.tensor_name}"
    if progress.remeasuring:
        what += f" again with step {progress.step:g}:"
    return (
        f"checking {what} {progress.done}/{progress.entries}  "
        f"{math.floor(100 * progress.fraction)}%  elapsed {_duration(elapsed)}"
    )


def _command_gradcheck(args: argparse.Namespace) -> int:
    from nnstudio.engine.gradcheck import GradCheckCancelled, GradCheckError
    from nnstudio.workflow import check_gradients, dropout_layers, load_for_training

    loaded = _load(args.project)
    if args.dropout and not dropout_layers(loaded.project):
        # Refused before the data is read: no setting of the data could change it.
        raise CommandError(
            f"--dropout: no layer of {loaded.project.network.describe()} uses dropout, so "
            "there are no masks to hold fixed; give a hidden layer a dropout rate first"
        )
    _require_data_file(loaded, "checks gradients on")
    reading = _reading_line(_data_name(loaded), sys.stderr)
    try:
        with _reading_project_data(loaded):
            project, network, dataset = load_for_training(loaded, progress=reading)
    finally:
        reading.close()
    count = min(args.samples, dataset.n_train)
    line = _GradCheckLine(sys.stderr)
    # Ctrl+C (or SIGTERM) stops the check before its next evaluation of the loss; a second
    # one aborts at once.
    with _StopOnInterrupt(lambda: None) as guard:
        try:
            report = check_gradients(
                project,
                dataset,
                network.weights(),
                samples=count,
                epsilon=args.epsilon,
                dropout=args.dropout,
                progress=line.update,
                should_stop=lambda: guard.interrupted,
            )
        except GradCheckError as error:
            line.clear()
            _error(f"cannot check the gradients: {error}")
            return EXIT_FAILURE
        except GradCheckCancelled:
            line.clear()
            where = line.latest
            during = (
                f" while checking layer {where.layer} of {where.layers}"
                if where is not None
                else ""
            )
            _error(f"gradient check stopped by {guard.by}{during}: no report")
            return EXIT_INTERRUPTED
        finally:
            line.clear()
    how = "float64, dropout with fixed masks" if report.dropout else "float64"
    print(f"gradient check of {project.network.describe()} on {plural(count, 'example')} ({how})")
    tolerance = gradcheck_tolerance(report.epsilon)
    print(report.format(tolerance))
    if args.entries:
        print()
        print(report.format_entries(args.entries, tolerance))
    # Only a layer with an entry measurably wrong fails; layers "in noise" (differences
    # within rounding at every step) neither pass nor fail, and the report says why.
    failing = report.failing(tolerance)
    if failing:
        worst = max(layer.error for layer in failing)
        numbers = ", ".join(str(layer.layer) for layer in failing)
        _error(
            f"gradient check failed: largest relative error {worst:.3e} exceeds "
            f"{tolerance:g} (failing: layer{'s' if len(failing) > 1 else ''} {numbers})"
        )
        return EXIT_FAILURE
    if len(report.in_noise(tolerance)) == len(report.layers):
        # Nothing failed, but nothing passed either: a script must not read this as verified.
        _error(_unmeasured_message(report, tolerance, args.project, count))
        return EXIT_UNMEASURED
    return EXIT_OK


def _unmeasured_message(
    report: GradCheckReport, tolerance: float, project: str, examples: int
) -> str:
    """What a check that measured no layer could not verify, why, and what to try instead.

    The reasons are the report's (:meth:`GradCheckReport.noise_note`): gradients too small
    for the step to resolve, or a loss so large that its rounding swamps the change a step
    makes (a diverged network). ``examples`` is the number of examples checked.
    """
    noisy = report.in_noise(tolerance)
    causes: set[str] = set()
    for layer in noisy:
        causes |= layer.noise_causes(tolerance)
    every = "its one layer is" if len(noisy) == 1 else f"all {len(noisy)} layers are"
    fresh = (
        f"nnstudio train {shlex.quote(project)} --reinit --epochs 0 --save FRESH.nnproj "
        "writes them, then check FRESH.nnproj"
    )
    advice = []
    if "small gradient" in causes:
        advice.append(
            "the gradients are too small for the step: check on other examples (--samples N "
            f"takes the first N; {examples} were checked) or at weights where the gradients "
            f"are larger, such as fresh ones ({fresh})"
        )
    if "large loss" in causes:
        advice.append(
            f"the loss J = {report.loss:.3g} is so large that its rounding swamps the change a "
            f"step makes (a diverged network): check at fresh weights ({fresh})"
        )
    return (
        f"gradient check inconclusive: no layer could be measured ({every} in noise), so "
        "backpropagation was neither confirmed nor refuted; " + "; ".join(advice)
    )


# --------------------------------------------------------------------------------------------
# import
# --------------------------------------------------------------------------------------------


def _command_import(args: argparse.Namespace) -> int:
    from nnstudio.io.project import save_project

    model = Path(args.model)
    if model.is_dir():
        raise ProjectFileError(f"{model} is a folder, not an ONNX model file")
    if not model.is_file():
        raise ProjectFileError(f"model file {model} does not exist")
    output = _project_output(args.output, "-o/--output")
    try:
        from nnstudio.io.onnx_io import import_onnx
    except ImportError as error:
        missing = (error.name or "").partition(".")[0]
        if missing in ("onnx", "onnxruntime"):
            from nnstudio.errors import MissingExtraError

            raise MissingExtraError("ONNX import", "onnx", missing) from error
        raise NNStudioError(f"ONNX import is unavailable in this installation: {error}") from error
    project, weights = import_onnx(model)
    saved = save_project(output, project, weights)
    _note(
        f"imported {project.network.describe()} from {model.name}: wrote {output} "
        f"(weights in {saved.weights})"
    )
    return EXIT_OK


_HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "train": _command_train,
    "export": _command_export,
    "predict": _command_predict,
    "gradcheck": _command_gradcheck,
    "import": _command_import,
    "shot": _command_shot,
}
