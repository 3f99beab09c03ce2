"""Start-up: the window is built once, for the project it opens with.

``nnstudio [PROJECT]`` opens PROJECT (or the spiral sample) before the window builds its
views, so they are never built for the default project only to be built again. A file that
cannot be opened still ends in a usable window and a message.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from nnstudio.errors import NNStudioError
from nnstudio.ui.app import take_screenshot
from nnstudio.ui.canvas import NetworkCanvas
from nnstudio.ui.docks.data_dock import DataPanel
from nnstudio.ui.main_window import START_HINT, MainWindow, Startup
from nnstudio.ui.plots.panel import PlotsPanel
from nnstudio.ui.qt import QtCore, QtWidgets

pytestmark = pytest.mark.gui

FRAME_TIMEOUT = 20_000
#: Names of the projects the tests start with.
SPIRAL = "Two spirals"
DEFAULT = "Untitled"


class ViewBuilds:
    """Which project each view was set up for, in order, by view ("canvas", "data", "plots").

    The canvas lays its items out (``NetworkCanvas.rebuild``), the Data dock draws its preview
    (``DataPanel.refresh_preview``) and the plots take a project and data set
    (``PlotsPanel.set_context``): each is what a view does for every project it shows.
    """

    def __init__(self) -> None:
        self.built: dict[str, list[str | None]] = {"canvas": [], "data": [], "plots": []}
        #: Canvas layouts made before the canvas was on screen (its first build).
        self.hidden_canvas_builds = 0

    def projects(self, view: str) -> list[str | None]:
        """Names of the projects ``view`` was built for, in order."""
        return self.built[view]


@pytest.fixture
def view_builds(monkeypatch: pytest.MonkeyPatch) -> ViewBuilds:
    """Record every time a view of any window is built for a project."""
    builds = ViewBuilds()
    rebuild = NetworkCanvas.rebuild
    refresh_preview = DataPanel.refresh_preview
    set_context = PlotsPanel.set_context

    def spy_rebuild(canvas: NetworkCanvas) -> None:
        builds.built["canvas"].append(canvas.document.project.name)
        if not canvas.isVisible():
            builds.hidden_canvas_builds += 1
        rebuild(canvas)

    def spy_refresh_preview(panel: DataPanel) -> None:
        builds.built["data"].append(panel.document.project.name)
        refresh_preview(panel)

    def spy_set_context(panel: PlotsPanel, project, dataset) -> None:
        builds.built["plots"].append(None if project is None else project.name)
        set_context(panel, project, dataset)

    monkeypatch.setattr(NetworkCanvas, "rebuild", spy_rebuild)
    monkeypatch.setattr(DataPanel, "refresh_preview", spy_refresh_preview)
    monkeypatch.setattr(PlotsPanel, "set_context", spy_set_context)
    return builds


def assert_built_once_for(builds: ViewBuilds, name: str) -> None:
    """Every view was built for project ``name`` only, and once (the canvas lays itself out
    again for its real size once shown, still for ``name``)."""
    assert builds.projects("data") == [name]
    assert builds.projects("plots") == [name]
    assert builds.hidden_canvas_builds == 1
    assert set(builds.projects("canvas")) == {name}


@contextmanager
def closed_afterwards() -> Iterator[list[MainWindow]]:
    """A list to put windows in; each is closed and its training process shut down at the end."""
    windows: list[MainWindow] = []
    try:
        yield windows
    finally:
        for window in windows:
            window.close_without_asking()
            window.shutdown()


@pytest.fixture
def start(
    qtbot, settings: QtCore.QSettings, no_dialogs: list[tuple[str, str]]
) -> Iterator[Callable[[str | Path | None], MainWindow]]:
    """Start the studio as ``nnstudio [PROJECT]`` does, with temporary settings."""
    with closed_afterwards() as windows:

        def start_with(path: str | Path | None) -> MainWindow:
            window = MainWindow(settings=settings, restore_layout=False, startup=Startup(path))
            windows.append(window)
            qtbot.addWidget(window)
            window.resize(1280, 800)
            window.show()
            window.finish_startup()
            qtbot.waitExposed(window)
            return window

        yield start_with


def broken_file(folder: Path, name: str = "broken.nnproj") -> Path:
    """A project file that is not JSON."""
    path = folder / name
    path.write_text("{]", encoding="utf-8")
    return path


def run_studio_window(qapp, monkeypatch: pytest.MonkeyPatch, path: str | Path | None) -> MainWindow:
    """Run :func:`nnstudio.ui.app.run_studio` (as ``nnstudio [PROJECT]`` does) up to its event
    loop and return its window, closed when the test ends."""
    from nnstudio.ui import app as app_module

    created: list[MainWindow] = []

    class RecordingWindow(MainWindow):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            created.append(self)

    monkeypatch.setattr("nnstudio.ui.main_window.MainWindow", RecordingWindow)
    monkeypatch.setattr(type(qapp), "exec", lambda _app: 0)
    assert app_module.run_studio(path) == 0
    assert len(created) == 1
    # run_studio has shut the training process down; the window itself stays for checks.
    return created[0]


@pytest.fixture
def studio(qapp, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., MainWindow]]:
    """``studio(path)``: the window of a real ``run_studio(path)``, closed afterwards."""
    with closed_afterwards() as windows:

        def run(path: str | Path | None) -> MainWindow:
            window = run_studio_window(qapp, monkeypatch, path)
            windows.append(window)
            return window

        yield run


# ---- built once ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stem", "name"), [(None, SPIRAL), ("spiral", SPIRAL), ("iris", "Iris flowers")]
)
def test_run_studio_builds_every_view_once_for_its_project(
    studio, view_builds: ViewBuilds, no_dialogs, sample, stem: str | None, name: str
) -> None:
    window = studio(None if stem is None else sample(stem))
    assert_built_once_for(view_builds, name)
    assert window.document.project.name == name
    assert window.windowTitle() == f"{name} — nnstudio"
    assert not window.document.is_dirty
    assert no_dialogs == []


def test_the_window_shows_its_startup_project_from_the_first_paint(
    qtbot, settings, no_dialogs, sample
) -> None:
    painted: list[str] = []

    class Watcher(QtCore.QObject):
        def eventFilter(self, watched, event) -> bool:
            if event.type() == QtCore.QEvent.Type.Paint and not painted:
                painted.append(window.windowTitle())
                painted.append(window.data_panel.summary.text())
            return False

    window = MainWindow(settings=settings, restore_layout=False, startup=Startup(sample("xor")))
    qtbot.addWidget(window)
    watcher = Watcher(window)
    window.installEventFilter(watcher)
    try:
        window.show()
        window.finish_startup()
        qtbot.waitUntil(lambda: bool(painted))
        assert painted[0] == "XOR — nnstudio"
        assert window.data_panel.summary.text() == painted[1]
    finally:
        window.close_without_asking()
        window.shutdown()


def test_startup_then_training_works_and_the_views_follow(qtbot, start, sample) -> None:
    window = start(sample("xor"))
    with qtbot.waitSignal(window.frameShown, timeout=FRAME_TIMEOUT):
        window.step_epoch_action.trigger()
    assert window.controller.latest_frame is not None


# ---- what start-up says and remembers --------------------------------------------------------


def test_startup_opens_the_spiral_sample(start) -> None:
    window = start(None)
    project = window.document.project
    assert project.data.builtin == "spiral"
    assert window.windowTitle() == f"{project.name} — nnstudio"
    assert not window.document.is_dirty


def test_unreadable_startup_file_shows_error_and_falls_back(start, tmp_path, no_dialogs) -> None:
    window = start(broken_file(tmp_path))
    assert window.document.project.data.builtin == "spiral"
    assert any("broken.nnproj" in text for _title, text in no_dialogs)


def test_an_opened_startup_file_joins_the_recent_files(start, sample) -> None:
    path = sample("iris")
    window = start(path)
    assert window.recent_files() == [path.resolve()]
    assert window.statusBar().currentMessage() == START_HINT
    # Finishing is done once: a second call adds nothing and shows nothing.
    window.finish_startup()
    assert window.recent_files() == [path.resolve()]


def test_a_startup_project_with_large_data_opens_once_the_window_shows(
    qtbot, start, sample, tmp_path, monkeypatch, view_builds
) -> None:
    import threading

    from nnstudio.ui import document as document_module
    from nnstudio.ui import main_window as main_window_module

    for name in ("iris.nnproj", "iris.csv"):
        shutil.copy(sample("iris").parent / name, tmp_path / name)
    path = tmp_path / "iris.nnproj"
    monkeypatch.setattr(main_window_module, "LARGE_DATA_BYTES", 100)  # iris.csv is "large"
    threads: list[threading.Thread] = []
    real_load = document_module.load_dataset

    def recording_load(spec, base_dir=".", progress=None):
        if getattr(spec, "csv", None):  # the default project's built-in data is no read
            threads.append(threading.current_thread())
        return real_load(spec, base_dir, progress)

    monkeypatch.setattr(document_module, "load_dataset", recording_load)
    window = start(path)
    # The window is up at once, with the spiral sample, before the data is read...
    assert window.isVisible() and window.document.project.name == SPIRAL
    assert threads == []
    # ... which happens next, away from the window's thread.
    qtbot.waitUntil(lambda: window.document.path == path.resolve(), timeout=FRAME_TIMEOUT)
    assert window.document.project.name == "Iris flowers"
    assert len(threads) == 1 and threads[0] is not threading.main_thread()
    assert window.recent_files() == [path.resolve()]
    assert window.statusBar().currentMessage() == START_HINT
    assert view_builds.projects("canvas")[-1] == "Iris flowers"
    with qtbot.waitSignal(window.frameShown, timeout=FRAME_TIMEOUT):
        window.step_epoch_action.trigger()  # and it trains


def test_a_cancelled_large_startup_project_leaves_the_sample_training(
    qtbot, start, sample, tmp_path, monkeypatch, progress_canceller
) -> None:
    from nnstudio.ui import document as document_module
    from nnstudio.ui import main_window as main_window_module

    for name in ("iris.nnproj", "iris.csv"):
        shutil.copy(sample("iris").parent / name, tmp_path / name)
    monkeypatch.setattr(main_window_module, "LARGE_DATA_BYTES", 100)
    real_load = document_module.load_dataset

    def endless_for_csv(spec, base_dir=".", progress=None):
        if getattr(spec, "csv", None):
            progress_canceller.endless_read(spec, base_dir, progress=progress)
        return real_load(spec, base_dir, progress)

    monkeypatch.setattr(document_module, "load_dataset", endless_for_csv)
    progress_canceller.press_cancel_when_shown()
    window = start(tmp_path / "iris.nnproj")
    qtbot.waitUntil(lambda: progress_canceller.titles == ["Opening iris.nnproj"], timeout=5000)
    qtbot.waitUntil(lambda: "cancelled" in window.statusBar().currentMessage(), timeout=5000)
    assert window.document.project.name == SPIRAL and window.recent_files() == []
    with qtbot.waitSignal(window.frameShown, timeout=FRAME_TIMEOUT):
        window.step_epoch_action.trigger()  # the sample trains as after any start-up


def test_screenshots_never_defer_a_large_startup_project(tmp_path, sample, monkeypatch) -> None:
    from nnstudio.ui import main_window as main_window_module

    monkeypatch.setattr(main_window_module, "LARGE_DATA_BYTES", 100)
    output = tmp_path / "iris.png"
    take_screenshot(sample("iris"), output, size=(800, 500))
    assert output.stat().st_size > 0


def test_the_startup_sample_is_not_a_recent_file(start) -> None:
    window = start(None)
    assert window.document.project.name == SPIRAL
    assert window.recent_files() == []
    assert window.statusBar().currentMessage() == START_HINT


def test_a_bad_startup_file_shows_its_error_and_opens_the_sample(
    studio, view_builds: ViewBuilds, tmp_path: Path, no_dialogs
) -> None:
    bad = broken_file(tmp_path)
    window = studio(bad)
    assert len(no_dialogs) == 1
    title, text = no_dialogs[0]
    assert title == "Cannot open project"
    assert "broken.nnproj" in text
    # The views were built for the sample alone, which is open, unchanged and not recent.
    assert_built_once_for(view_builds, SPIRAL)
    assert window.windowTitle() == f"{SPIRAL} — nnstudio"
    assert not window.document.is_dirty
    assert window.recent_files() == []


def test_without_a_sample_a_bad_startup_file_leaves_a_usable_default_project(
    qtbot, start, view_builds: ViewBuilds, tmp_path: Path, no_dialogs, monkeypatch
) -> None:
    bad = broken_file(tmp_path)
    bad_sample = broken_file(tmp_path, "spiral.nnproj")
    monkeypatch.setattr("nnstudio.ui.main_window.find_sample", lambda _stem: bad_sample)
    window = start(bad)
    assert [title for title, _text in no_dialogs] == ["Cannot open project", "Cannot open sample"]
    assert "broken.nnproj" in no_dialogs[0][1]
    assert "spiral.nnproj" in no_dialogs[1][1]
    assert_built_once_for(view_builds, DEFAULT)
    assert window.document.path is None
    assert window.windowTitle() == f"{DEFAULT} — nnstudio"
    assert not window.document.is_dirty
    assert window.recent_files() == []
    # Usable: it trains and shows what it trained.
    with qtbot.waitSignal(window.frameShown, timeout=FRAME_TIMEOUT):
        window.step_epoch_action.trigger()


def test_startup_project_notices_reach_the_canvas(start, tmp_path: Path, sample) -> None:
    document = json.loads(sample("spiral").read_text(encoding="utf-8"))
    document["network"]["inputs"] = 3  # the spiral has 2 features
    path = tmp_path / "three-inputs.nnproj"
    path.write_text(json.dumps(document), encoding="utf-8")
    window = start(path)
    assert window.document.project.network.inputs == 2
    assert any("Input layer resized" in text for text in window.canvas.notice_banner.messages)


def test_startup_data_that_cannot_be_loaded_is_explained_in_the_banner(
    start, tmp_path: Path, sample
) -> None:
    project = tmp_path / "iris.nnproj"
    shutil.copy(sample("iris"), project)  # its CSV stays behind
    window = start(project)
    assert window.document.dataset is None
    assert window.banner.isVisible()
    assert "iris.csv" in window.banner.label.text()
    assert window.data_panel.preview_kind() == "error"


def test_a_window_without_a_startup_project_keeps_the_default_one(qtbot, settings) -> None:
    window = MainWindow(settings=settings, restore_layout=False)
    qtbot.addWidget(window)
    try:
        window.finish_startup()  # nothing to finish
        assert window.document.project.name == DEFAULT
        assert window.recent_files() == []
        assert window.statusBar().currentMessage() == ""
    finally:
        window.close_without_asking()
        window.shutdown()


# ---- screenshots -----------------------------------------------------------------------------


def test_a_screenshot_builds_every_view_once_for_its_project(
    qapp, view_builds: ViewBuilds, sample, tmp_path: Path
) -> None:
    take_screenshot(sample("iris"), tmp_path / "iris.png", size=(900, 600))
    assert_built_once_for(view_builds, "Iris flowers")
    assert (tmp_path / "iris.png").stat().st_size > 0


def test_a_screenshot_of_a_broken_project_raises_its_error(
    qapp, view_builds: ViewBuilds, tmp_path: Path, no_dialogs
) -> None:
    broken = tmp_path / "broken.nnproj"
    broken.write_text("{ not json", encoding="utf-8")
    with pytest.raises(NNStudioError, match=r"broken\.nnproj"):
        take_screenshot(broken, tmp_path / "broken.png")
    # No sample stands in, no view was built and no dialog waits for a click.
    assert not (tmp_path / "broken.png").exists()
    assert view_builds.projects("canvas") == [] and no_dialogs == []


def test_the_start_hint_fits_a_small_window_and_goes_when_training_starts(start, qtbot) -> None:
    from nnstudio.ui.qt import QtGui

    window = start(None)
    window.resize(1024, 640)
    bar = window.statusBar()
    qtbot.waitUntil(lambda: bar.width() == window.width())
    assert bar.currentMessage() == START_HINT
    # The message is drawn from the bar's left edge up to the first permanent widget.
    spacing = bar.style().pixelMetric(QtWidgets.QStyle.PixelMetric.PM_LayoutHorizontalSpacing)
    room = window.status.geometry().left() - 2 * spacing
    assert QtGui.QFontMetrics(bar.font()).horizontalAdvance(START_HINT) < room
    qtbot.waitUntil(lambda: window.status_message.text() == START_HINT)  # shown whole
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window.controller.state == "running", timeout=15000)
    assert bar.currentMessage() == ""
    window.controller.pause()
