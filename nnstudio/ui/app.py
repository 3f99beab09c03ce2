"""Application entry points: the interactive studio and the screenshot command.

``nnstudio [PROJECT]`` calls :func:`run_studio`; ``nnstudio shot`` calls :func:`take_screenshot`,
which renders the window (or one panel) offscreen after optionally training for a few epochs.

Environment
-----------
NNSTUDIO_STARTUP_REPORT
    A file path. :func:`run_studio` then writes ``{"seconds": S}`` there, ``S`` being the
    seconds from process start to the first paint of the window with its project loaded, and
    quits (exit status 0). Benchmarks use it to measure start-up.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from nnstudio.errors import NNStudioError

#: Environment variable naming the file :func:`run_studio` reports its start-up time to.
STARTUP_REPORT_ENV = "NNSTUDIO_STARTUP_REPORT"
#: ``perf_counter`` when this module was imported: the start time where ``/proc`` is missing.
_IMPORTED_AT = time.perf_counter()

#: Panels :func:`take_screenshot` can capture besides the whole window (``None``).
PANELS: tuple[str, ...] = ("canvas", "plots", "data", "training", "properties")


def _needs_offscreen() -> bool:
    """True when no display server is reachable (headless Linux, CI)."""
    if sys.platform.startswith("linux"):
        return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return False


def light_palette() -> Any:
    """A calm light palette for the Fusion style (slate text, blue accents)."""
    from nnstudio.ui.qt import QtGui

    role = QtGui.QPalette.ColorRole
    group = QtGui.QPalette.ColorGroup
    palette = QtGui.QPalette()
    colors = {
        role.Window: "#f3f4f6",
        role.WindowText: "#1f2937",
        role.Base: "#ffffff",
        role.AlternateBase: "#f9fafb",
        role.ToolTipBase: "#ffffff",
        role.ToolTipText: "#1f2937",
        role.Text: "#111827",
        role.Button: "#f9fafb",
        role.ButtonText: "#1f2937",
        role.BrightText: "#dc2626",
        role.Light: "#ffffff",
        role.Midlight: "#e5e7eb",
        role.Mid: "#d1d5db",
        role.Dark: "#9ca3af",
        role.Shadow: "#6b7280",
        role.Highlight: "#2563eb",
        role.HighlightedText: "#ffffff",
        role.Link: "#1d4ed8",
        role.LinkVisited: "#6d28d9",
    }
    for color_role, value in colors.items():
        palette.setColor(color_role, QtGui.QColor(value))
    for color_role in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, color_role, QtGui.QColor("#9ca3af"))
    return palette


_STYLE_SHEET = """
QMainWindow::separator { background: #e5e7eb; width: 5px; height: 5px; }
QMainWindow::separator:hover { background: #93c5fd; }
QDockWidget { font-weight: 600; }
QDockWidget::title { background: #e5e7eb; padding: 5px 8px; text-align: left; }
QDockWidget > QWidget { font-weight: normal; }
QToolBar { background: #ffffff; border-bottom: 1px solid #e5e7eb; spacing: 2px; padding: 3px; }
QToolBar::separator { background: #e5e7eb; width: 1px; margin: 4px 6px; }
QToolButton { padding: 3px 6px; border-radius: 5px; }
QToolButton:hover { background: #eff6ff; }
QToolButton:pressed { background: #dbeafe; }
QStatusBar { background: #ffffff; border-top: 1px solid #e5e7eb; }
QTabBar::tab { padding: 5px 12px; }
"""


#: Starts of Qt messages that only say a windowless platform (offscreen, for screenshots and
#: tests) cannot do what a desktop does, such as raising a window: expected there, and
#: nothing a user could act on.
_PLATFORM_NOTICES = ("This plugin does not support",)


def _print_qt_message(kind: Any, context: Any, message: str) -> None:
    """Qt's messages go to stderr as Qt prints them, except :data:`_PLATFORM_NOTICES`."""
    if message.startswith(_PLATFORM_NOTICES):
        return
    from nnstudio.ui.qt import QtCore

    sys.stderr.write(QtCore.qFormatLogMessage(kind, context, message) + "\n")


def create_application(argv: list[str] | None = None) -> Any:
    """The QApplication, created once with the Fusion style, light palette and app icon."""
    from nnstudio.ui.icons import icon
    from nnstudio.ui.qt import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        QtCore.qInstallMessageHandler(_print_qt_message)
        app = QtWidgets.QApplication(argv if argv is not None else [sys.argv[0]])
        app.setOrganizationName("nnstudio")
        app.setApplicationName("nnstudio")
        app.setApplicationDisplayName("nnstudio")
        app.setDesktopFileName("nnstudio")
        app.setStyle("Fusion")
        app.setPalette(light_palette())
        font = app.font()
        if font.pointSizeF() < 10:
            font.setPointSizeF(10)
            app.setFont(font)
        app.setStyleSheet(_STYLE_SHEET)
        app.setWindowIcon(icon("app"))
    return app


def run_studio(path: str | Path | None = None) -> int:
    """Open the studio window and run until it is closed.

    Parameters
    ----------
    path : str, Path or None
        Project to open; ``None`` opens the spiral sample. A file that cannot be opened shows
        its error and the spiral sample opens instead.

    Returns
    -------
    int
        The application's exit code.
    """
    # BLAS threads must be limited before NumPy does heavy work (the trainer runs in a thread).
    from nnstudio.engine.threads import limit_blas_threads

    limit_blas_threads()
    app = create_application()
    from nnstudio.ui.main_window import MainWindow, Startup

    # The window opens the project before it builds its views, so they are built once.
    window = MainWindow(startup=Startup(path))
    window.show()
    window.finish_startup()
    report = os.environ.get(STARTUP_REPORT_ENV)
    if report:
        _report_first_paint(window, Path(report))
    code = int(app.exec())
    window.shutdown()
    return code


def seconds_since_process_start() -> float:
    """Seconds since this process started.

    Linux reads the process's start (``/proc/self/stat`` field 22, in clock ticks since boot)
    and the time since boot (``/proc/uptime``); elsewhere the time since ``python -m nnstudio``
    or the ``nnstudio`` command started (their ``STARTED_AT``) stands in.
    """
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            stat = handle.read()
        with open("/proc/uptime", encoding="ascii") as handle:
            uptime = float(handle.read().split()[0])
        # The command name (field 2) may hold spaces; fields after it follow its ")".
        start_ticks = int(stat.rpartition(")")[2].split()[19])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        starts = [
            getattr(sys.modules.get(name), "STARTED_AT", _IMPORTED_AT)
            for name in ("__main__", "nnstudio.__main__", "nnstudio.cli")
        ]
        return time.perf_counter() - min(_IMPORTED_AT, *starts)


def _report_first_paint(window: Any, path: Path) -> None:
    """Write the start-up time to ``path`` after the window's first paint, then quit.

    See :data:`STARTUP_REPORT_ENV`. The report is written from a zero-delay timer started by
    the window's first paint event, so it runs once that paint has finished.
    """
    from nnstudio.ui.qt import QtCore, QtWidgets

    done = False

    def finish() -> None:
        nonlocal done
        if done:
            return
        done = True
        seconds = seconds_since_process_start()
        path.write_text(json.dumps({"seconds": round(seconds, 4)}) + "\n", encoding="utf-8")
        QtWidgets.QApplication.instance().quit()

    class FirstPaint(QtCore.QObject):
        def eventFilter(self, watched: Any, event: Any) -> bool:
            if event.type() == QtCore.QEvent.Type.Paint:
                watched.removeEventFilter(self)
                QtCore.QTimer.singleShot(0, finish)
            return False

    watcher = FirstPaint(window)
    window.installEventFilter(watcher)
    # A window that is never painted still reports (late) and quits.
    QtCore.QTimer.singleShot(60_000, finish)


def _parse_panel(panel: str | None) -> tuple[str | None, str | None]:
    if panel is None:
        return None, None
    name, _, tab = panel.partition(":")
    name = name.strip().lower()
    if name not in PANELS:
        raise NNStudioError(
            f"unknown panel {panel!r}; choose one of {', '.join(PANELS)} "
            "(or plots:<tab>, e.g. plots:Loss)"
        )
    if tab and name != "plots":
        raise NNStudioError(f"panel {name!r} has no tabs; only plots:<tab> takes one")
    return name, (tab.strip() or None)


def take_screenshot(
    project_path: str | Path,
    output_path: str | Path,
    *,
    train_epochs: int = 0,
    size: tuple[int, int] = (1280, 800),
    panel: str | None = None,
    select: str | None = None,
) -> Path:
    """Render the studio (or one panel) to a PNG without showing anything on screen.

    Parameters
    ----------
    project_path : str or Path
        The project to open.
    output_path : str or Path
        The PNG to write.
    train_epochs : int
        Epochs to train first (synchronously), so the views show a trained network.
    size : (int, int)
        Window width and height in pixels.
    panel : str or None
        ``None`` for the whole window, or ``"canvas"``, ``"plots"``, ``"plots:<tab>"``
        (e.g. ``"plots:Loss"``), ``"data"``, ``"training"`` or ``"properties"``.
    select : str or None
        Select something on the canvas first so Properties shows it: ``"layer:K"``,
        ``"neuron:K:I"`` or ``"edge:K:I:J"`` (K a drawn layer index, 0 = inputs; for an edge,
        I is the target neuron in layer K and J the source neuron in layer K - 1).

    Returns
    -------
    Path
        The PNG written.

    Raises
    ------
    NNStudioError
        For a bad argument (unknown panel or tab, non-positive size, negative epochs), a
        project that cannot be opened, or an image that cannot be written.
    """
    panel_name, tab = _parse_panel(panel)
    selection = parse_selection(select)
    if isinstance(train_epochs, bool) or not isinstance(train_epochs, int) or train_epochs < 0:
        raise NNStudioError(f"train_epochs must be a whole number >= 0, got {train_epochs!r}")
    try:
        width, height = (int(v) for v in size)
    except (TypeError, ValueError):
        raise NNStudioError(f"size must be (width, height), got {size!r}") from None
    if width < 200 or height < 150 or width > 10_000 or height > 10_000:
        raise NNStudioError(f"size must be between 200×150 and 10000×10000, got {width}×{height}")
    output = Path(output_path)
    if output.suffix.lower() != ".png":
        raise NNStudioError(f"the screenshot must be a .png file, got {output.name}")
    if not Path(project_path).exists():
        raise NNStudioError(f"{project_path}: no such project file")

    if _needs_offscreen():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from nnstudio.engine.threads import limit_blas_threads

    limit_blas_threads()
    app = create_application()
    from nnstudio.ui.main_window import MainWindow, Startup
    from nnstudio.ui.qt import QtCore

    with tempfile.TemporaryDirectory(prefix="nnstudio-shot-") as settings_dir:
        settings = QtCore.QSettings(
            str(Path(settings_dir) / "settings.ini"), QtCore.QSettings.Format.IniFormat
        )
        # The views are built once, for the project (a file that cannot be opened raises).
        startup = Startup(project_path, strict=True)
        window = MainWindow(settings=settings, restore_layout=False, startup=startup)
        try:
            window.resize(width, height)
            window.show()
            window.finish_startup()
            _settle(app)
            if tab is not None and tab not in window.plots.tab_names():
                tabs = ", ".join(window.plots.tab_names())
                raise NNStudioError(f"unknown plots tab {tab!r}; choose one of {tabs}")
            window.apply_default_sizes()
            if selection is not None:  # refused before a long training run, not after it
                problem = selection_problem(window.document.project.network.sizes, selection)
                if problem is not None:
                    raise NNStudioError(f"cannot select {selection.kind}: {problem}")
            train_for_screenshot(window, int(train_epochs))
            if selection is not None:
                _select_for_screenshot(window, selection)
            target = _prepare_panel(window, panel_name, tab)
            _settle(app)
            window.canvas.fit()
            # Edges left for a later frame are drawn now, so the picture is complete.
            window.canvas.flush_edges()
            _settle(app)
            image = target.grab()
            output.parent.mkdir(parents=True, exist_ok=True)
            if not image.save(str(output), "PNG"):
                raise NNStudioError(f"cannot write the screenshot to {output}")
        finally:
            window.close_without_asking()
            window.deleteLater()
            _settle(app)
    return output


def parse_selection(text: str | None) -> Any:
    """Turn ``"neuron:1:3"`` into a :class:`~nnstudio.ui.selection.Selection`.

    Raises
    ------
    NNStudioError
        When the text is not ``layer:K``, ``neuron:K:I`` or ``edge:K:I:J``.
    """
    if text is None:
        return None
    from nnstudio.ui.selection import Selection

    kind, *numbers = text.strip().split(":")
    counts = {"layer": 1, "neuron": 2, "edge": 3}
    try:
        values = [int(n) for n in numbers]
    except ValueError:
        values = []
    if kind not in counts or len(values) != counts[kind] or min(values, default=-1) < 0:
        raise NNStudioError(
            f"cannot select {text!r}; use layer:K, neuron:K:I or edge:K:I:J with whole numbers"
        )
    if kind == "layer":
        return Selection("layer", values[0])
    if kind == "neuron":
        return Selection("neuron", values[0], values[1])
    return Selection("edge", values[0], values[1], values[2])


def selection_problem(sizes: tuple[int, ...], selection: Any) -> str | None:
    """Why ``selection`` names nothing in a network of layer ``sizes`` (``None`` if it fits).

    Layers count from 0 (the inputs), neurons from 0 within their layer.
    """
    layers = len(sizes)

    def neurons(layer: int) -> str:
        count = sizes[layer]
        return f"layer {layer} has {count} neuron{'s' if count != 1 else ''} (0–{count - 1})"

    if not 0 <= selection.layer < layers:
        return f"layer {selection.layer} is out of range: the network has layers 0–{layers - 1}"
    if selection.kind == "edge" and selection.layer == 0:
        return "a connection ends in layer 1 or later (edge:K:I:J with K >= 1)"
    if selection.neuron is not None and not 0 <= selection.neuron < sizes[selection.layer]:
        which = "target neuron" if selection.kind == "edge" else "neuron"
        return f"{which} {selection.neuron} is out of range: {neurons(selection.layer)}"
    source = selection.source
    if (
        selection.kind == "edge"
        and source is not None
        and not 0 <= source < sizes[selection.layer - 1]
    ):
        return f"source neuron {source} is out of range: {neurons(selection.layer - 1)}"
    return None


def _select_for_screenshot(window: Any, selection: Any) -> None:
    problem = selection_problem(window.document.project.network.sizes, selection)
    if problem is not None:
        raise NNStudioError(f"cannot select {selection.kind}: {problem}")
    window.canvas.select(selection)
    frame = window.controller.latest_frame
    if window.canvas.frame is not None:
        window.properties_dock.show_frame(window.canvas.frame)
    elif frame is not None:
        window.properties_dock.show_frame(frame)


#: Frames a screenshot's training run leaves in the plots' histories, the last one included.
_SCREENSHOT_HISTORY = 60


def train_for_screenshot(window: Any, epochs: int) -> None:
    """Train ``epochs`` epochs in this thread and show the result in every view."""
    import numpy as np

    from nnstudio.ui.frame import FrameBuilder
    from nnstudio.workflow import build_network, make_trainer

    document = window.document
    # From here on the views show only what is computed here: a background frame of the
    # untrained network must not arrive after the trained one.
    window.controller.shutdown()
    dataset = document.dataset
    if dataset is None:
        raise NNStudioError(f"cannot load the project's data: {document.dataset_error}")
    project = document.project
    network = build_network(project, document.weights)
    # Even untrained, the trainer's snapshot carries the epoch-0 losses the studio shows.
    # Weights saved part-way count on from where they were, as Play would.
    start = document.training_position if document.weights is not None else (0, 0)
    trainer = make_trainer(project, network, dataset, start=start)
    # The plots' histories (weights over training) get frames along the way, as the studio's
    # would have, not only the last one: at most _SCREENSHOT_HISTORY, evenly spread.
    builder = FrameBuilder(dataset)
    recorded = {round(epoch) for epoch in np.linspace(0, epochs, _SCREENSHOT_HISTORY)}
    for epoch in range(epochs):
        if trainer.is_done or trainer.status == "diverged":
            break
        if epoch in recorded:
            window.plots.record(builder.build(network, trainer.snapshot()))
        trainer.run_epoch()
    snapshot = trainer.snapshot()
    if epochs > 0 and trainer.step_count > start[1]:
        document.set_weights(network.weights(), trainer.weights_position)
    _settle(window)
    frame = builder.build(network, snapshot)
    if epochs == 0:
        state = "idle"
    elif snapshot.status in ("diverged", "early_stopped", "finished"):
        state = snapshot.status
    else:  # stopped part-way through a longer run: the user could press Play to go on
        state = "paused"
    window._state = state
    window.status.set_state(state)
    if epochs > 0:
        # Training is done as the start hint asked: the studio clears it when a run starts.
        window.statusBar().clearMessage()
    window.show_frame(frame)


def _prepare_panel(window: Any, panel: str | None, tab: str | None) -> Any:
    """Bring the requested panel forward and return the widget to grab."""
    if panel is None:
        if tab is not None:
            window.plots.tabs.setCurrentWidget(window.plots.tab(tab))
        return window
    if panel == "canvas":
        return window.canvas
    dock = window.docks[panel]
    dock.show()
    dock.raise_()
    if panel == "plots":
        # Float the plots at the requested size so each chart gets room to breathe.
        size = window.size()
        dock.setFloating(True)
        dock.resize(size)
        if tab is not None:
            window.plots.tabs.setCurrentWidget(window.plots.tab(tab))
        return window.plots
    return dock


def _settle(_context: Any, rounds: int = 5) -> None:
    """Let queued signals, layouts and paints run."""
    from nnstudio.ui.qt import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        return
    for _ in range(rounds):
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
        app.sendPostedEvents()


__all__ = ["PANELS", "create_application", "parse_selection", "run_studio", "take_screenshot"]
