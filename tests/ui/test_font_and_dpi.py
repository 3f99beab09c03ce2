"""High pixel ratios and larger or smaller application fonts: crisp, in proportion, not cut."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import Dataset
from nnstudio.ui.canvas import NetworkCanvas, items
from nnstudio.ui.csv_import import CsvImportDialog
from nnstudio.ui.docks.data_dock import ImagePreview
from nnstudio.ui.gradcheck_dialog import GradientCheckDialog
from nnstudio.ui.plots.common import make_plot, set_title, title_point_sizes
from nnstudio.ui.plots.gradients import GradientsTab
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets, pg
from tests.ui.test_canvas import open_canvas, spiral_project
from tests.ui.test_csv_import_layout import whole_rows

pytestmark = pytest.mark.gui

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


# ---- digit thumbnails at a high pixel ratio -----------------------------------------------------


def _black_digits(qtbot) -> ImagePreview:
    X = np.full((4, 64), 16.0)  # every pixel full ink: black
    X[0, 0] = 0.0  # one white pixel, so the grey levels span a range
    labels = np.array([0, 1, 0, 1])
    dataset = Dataset(
        X_train=X,
        Y_train=np.eye(2)[labels],
        X_val=X[:0],
        Y_val=np.zeros((0, 2)),
        feature_names=tuple(f"pixel{i}" for i in range(64)),
        target_names=("digit",),
        task="classification",
        class_names=("a", "b"),
        labels_train=labels,
        labels_val=labels[:0],
    )
    assert dataset.image_shape == (8, 8)
    preview = ImagePreview()
    qtbot.addWidget(preview)
    preview.resize(330, 300)
    preview.show_dataset(dataset)
    return preview


@pytest.mark.parametrize("ratio", [1.0, 1.5, 2.0])
def test_thumbnails_stay_inside_their_frames_and_crisp(qtbot, ratio: float) -> None:
    preview = _black_digits(qtbot)
    image = QtGui.QImage(
        round(preview.width() * ratio),
        round(preview.height() * ratio),
        QtGui.QImage.Format.Format_RGB32,
    )
    image.setDevicePixelRatio(ratio)
    image.fill(QtGui.QColor(240, 240, 240))
    preview.render(image)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)[
        :, : image.width() * 4
    ]
    grey = pixels.reshape(image.height(), image.width(), 4)[:, :, 1].astype(int)
    frames = preview.frame_rects()
    assert len(frames) == 4
    ink = grey < 60
    for frame in frames:
        left, top = round(frame.x() * ratio), round(frame.y() * ratio)
        right = round((frame.x() + frame.width()) * ratio)
        bottom = round((frame.y() + frame.height()) * ratio)
        border = max(1, round(ratio))
        box = ink[top:bottom, left:right]
        # The frame's border is whole on every side: no ink on it.
        assert not box[:border].any() and not box[-border:].any()
        assert not box[:, :border].any() and not box[:, -border:].any()
        # Nor just outside it.
        assert not ink[bottom : bottom + border, left:right].any()
        assert not ink[top:bottom, right : right + border].any()
        # The ink is one rectangle of whole device pixels per image pixel.
        rows, columns = np.flatnonzero(box.any(axis=1)), np.flatnonzero(box.any(axis=0))
        height, width = rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1
        assert height == width and height % 8 == 0
    ink_total = sum(
        ink[
            round(f.y() * ratio) : round((f.y() + f.height()) * ratio),
            round(f.x() * ratio) : round((f.x() + f.width()) * ratio),
        ].sum()
        for f in frames
    )
    assert ink_total == ink.sum()  # no ink outside the frames at all


# ---- plot titles, tick labels and axis labels -----------------------------------------------


def test_plot_titles_follow_the_application_font(qtbot, app_font) -> None:
    app_font(10)
    assert title_point_sizes() == (10, 9, 8)
    for points in (14.0, 8.0):
        app_font(points)
        wanted = f"{points:g}pt"
        sizes = title_point_sizes()
        assert sizes == pytest.approx((points, 0.9 * points, 0.8 * points))
        widget = pg.GraphicsLayoutWidget()
        qtbot.addWidget(widget)
        widget.resize(600, 300)
        plot = make_plot("Loss", "epoch", "loss")
        widget.addItem(plot)
        widget.show()
        qtbot.waitExposed(widget)
        set_title(plot, "Loss — train 0.25 · val 0.31")
        label = plot.titleLabel
        qtbot.waitUntil(lambda label=label, wanted=wanted: label.opts["size"] == wanted)


def test_neuron_plot_ticks_follow_the_application_font(app_font) -> None:
    from nnstudio.ui.neuron_view import _small_font

    app_font(10)
    assert _small_font().pointSizeF() == pytest.approx(7.5)  # as before
    app_font(14)
    assert _small_font().pointSizeF() == pytest.approx(10.5)
    app_font(8)
    assert _small_font().pointSizeF() == pytest.approx(7.5)  # not smaller than that


def test_a_long_axis_label_gives_way_to_a_shorter_one_on_a_short_plot(qtbot) -> None:
    tab = GradientsTab()
    qtbot.addWidget(tab)
    tab.resize(500, 420)
    tab.show()
    qtbot.waitExposed(tab)
    axis = tab.plot.getAxis("left")
    qtbot.waitUntil(lambda: axis.label.toPlainText().strip() == "gradient norm (log scale)")
    tab.resize(500, 150)
    # Rotated, the label's width runs along the axis: it fits the axis's height.
    qtbot.waitUntil(lambda: axis.label.boundingRect().width() <= axis.size().height())
    assert axis.label.toPlainText().strip() in ("gradient norm, log", "‖g‖, log")


# ---- the canvas -------------------------------------------------------------------------------


def test_canvas_text_and_key_grow_with_the_application_font(qtbot, app_font) -> None:
    app_font(10)
    _document, canvas = open_canvas(qtbot, spiral_project(), (1000, 640))
    assert items.text_scale() == 1.0
    assert canvas.layout_geometry.text_scale == 1.0

    def on_screen() -> tuple[float, float, int, int]:
        title, subtitle = canvas.lanes[1].header_fonts(canvas.zoom)
        return (
            title.pixelSize() * canvas.zoom,
            subtitle.pixelSize() * canvas.zoom,
            canvas.legend.height(),
            canvas.zoom_bar.height(),
        )

    before = on_screen()
    app_font(14)
    qtbot.waitUntil(lambda: canvas.layout_geometry.text_scale == pytest.approx(1.4))
    after = on_screen()
    assert after[0] >= 1.3 * before[0] and after[1] >= 1.3 * before[1]
    assert after[2] >= 1.25 * before[2] and after[3] > before[3]
    # The key's text fits its larger rows.
    assert QtGui.QFontMetricsF(canvas.legend._font).height() <= canvas.legend._px(16)
    app_font(10)
    qtbot.waitUntil(lambda: canvas.layout_geometry.text_scale == 1.0)
    assert on_screen() == before  # the default font gives the sizes it always had


def test_the_dot_grid_is_drawn_at_the_pixel_ratio(qapp) -> None:
    tile = NetworkCanvas._dot_tile(2.0)
    assert tile.devicePixelRatio() == 2.0
    assert tile.deviceIndependentSize() == QtCore.QSizeF(24, 24)
    assert (tile.width(), tile.height()) == (48, 48)
    # One per ratio: a window moved to another screen gets its own.
    assert NetworkCanvas._dot_tile(1.0).width() == 24
    assert NetworkCanvas._dot_tile(2.0) is tile


def test_cached_items_are_painted_anew_when_the_pixel_ratio_changes(qtbot, monkeypatch) -> None:
    painted: list[int] = []
    paint = items.LaneItem.paint

    def counting(self, *args):
        painted.append(self.drawn)
        return paint(self, *args)

    # Patched before the lanes exist: PySide looks the override up when they are made.
    monkeypatch.setattr(items.LaneItem, "paint", counting)
    _document, canvas = open_canvas(qtbot, spiral_project(), (800, 500))
    canvas.grab()
    first = len(painted)
    canvas.grab()
    assert len(painted) == first  # from their pixmap caches
    event = QtCore.QEvent(QtCore.QEvent.Type.DevicePixelRatioChange)
    QtWidgets.QApplication.sendEvent(canvas, event)
    canvas.grab()
    # Every lane painted again, at the new ratio.
    assert sorted(painted[first:]) == list(range(len(canvas.lanes)))


# ---- dialogs ---------------------------------------------------------------------------------


@pytest.fixture
def full_hd(monkeypatch) -> None:
    """A full HD screen to open dialogs on (the offscreen one is 800 pixels square)."""
    available = QtCore.QRect(0, 0, 1920, 1040)
    monkeypatch.setattr(QtGui.QScreen, "availableGeometry", lambda screen: available)


def test_the_gradient_check_shows_its_whole_report_at_a_large_font(
    qtbot, app_font, full_hd
) -> None:
    from nnstudio.ui.document import StudioDocument

    app_font(14)
    document = StudioDocument()
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    # Opened in proportion to the font, not at the 720 pixels meant for 10 pt.
    assert dialog.width() > 900
    # Made small, it grows again to show the report when that comes.
    dialog.resize(dialog.minimumSizeHint())
    dialog.samples.setValue(4)
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60_000)
    QtWidgets.QApplication.processEvents()
    table = dialog.table
    assert table.rowCount() == len(document.project.network.layers)
    assert dialog.report_room().isNull()
    assert not table.horizontalScrollBar().isVisible()
    assert not table.verticalScrollBar().isVisible()


def test_the_csv_dialog_shows_every_column_whole_at_a_large_font(qtbot, app_font, full_hd) -> None:
    app_font(14)
    dialog = CsvImportDialog(SAMPLES / "iris.csv", base_dir=SAMPLES)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    roles = dialog._roles
    # Rows as tall as the text needs, and all five columns in view, the first at the top.
    metrics = roles.fontMetrics()
    assert roles.rowHeight(0) >= metrics.height() + 8
    assert whole_rows(roles) == 5
    assert roles.rowViewportPosition(0) == 0
    assert dialog._preview.rowHeight(0) >= dialog._preview.fontMetrics().height() + 6


def test_at_an_18_point_font_the_window_fits_a_1280_pixel_screen(
    qtbot, app_font, settings, no_dialogs, samples_dir: Path
) -> None:
    from nnstudio.ui.main_window import MainWindow, Startup

    app_font(18)
    main = MainWindow(
        settings=settings,
        restore_layout=False,
        startup=Startup(str(samples_dir / "xor.nnproj"), strict=True),
    )
    qtbot.addWidget(main)
    main.resize(1280, 800)
    main.show()
    qtbot.waitExposed(main)
    try:
        main.finish_startup()
        QtWidgets.QApplication.processEvents()
        # The plots' rows of controls wrap instead of adding up: "Log y", "Batches", "Runs"
        # and the x axis took 595 pixels in one row, and the window could not be narrower
        # than 1443.
        assert main.minimumSizeHint().width() <= 1280
        assert main.width() == 1280
        loss = main.plots.tab("Loss")
        # Side by side, or (without room for both) in the Show menu together.
        in_row = [box for box in (loss.log_scale, loss.show_batches) if box not in loss.folded]
        assert len(in_row) in (0, 2)
        assert len({box.geometry().top() for box in in_row}) <= 1
    finally:
        main.close_without_asking()
        main.shutdown()


def test_a_flowing_row_wraps_its_controls_where_it_is_narrow(qtbot) -> None:
    from nnstudio.ui.plots.common import FlowRow

    row = QtWidgets.QWidget()
    qtbot.addWidget(row)
    flow = FlowRow(row)
    buttons = [QtWidgets.QPushButton(f"control {index}") for index in range(4)]
    for button in buttons:
        flow.addWidget(button)
    widths = [button.sizeHint().width() for button in buttons]
    assert flow.minimumSize().width() == max(widths)  # one control per line at the least
    flow.setGeometry(QtCore.QRect(0, 0, sum(widths) + 3 * flow.spacing(), 100))
    assert len({button.geometry().top() for button in buttons}) == 1  # one line
    flow.setGeometry(QtCore.QRect(0, 0, widths[0] + widths[1] + flow.spacing(), 100))
    tops = [button.geometry().top() for button in buttons]
    assert tops[0] == tops[1] < tops[2] == tops[3]  # two lines of two
    assert flow.heightForWidth(max(widths)) > flow.heightForWidth(sum(widths) * 2)
    buttons[3].hide()
    buttons[2].hide()
    assert flow.heightForWidth(widths[0] + widths[1] + flow.spacing()) == flow.heightForWidth(
        sum(widths) * 2
    )  # hidden controls take no line
