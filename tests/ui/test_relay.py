"""FrameRelay: a view's share of a frame per event, newest frame wins, every view ends current."""

from __future__ import annotations

from nnstudio.ui.qt import QtCore, QtWidgets
from nnstudio.ui.relay import FrameRelay, HeldViews


def _drain(qtbot, relay: FrameRelay) -> None:
    qtbot.waitUntil(lambda: not relay.busy)
    QtWidgets.QApplication.processEvents()


def _recording_relay(log: list, parts: dict[str, int]) -> FrameRelay:
    """A relay whose parts log ``(part, step, frame)`` when a step runs."""
    relay = FrameRelay()
    for name, count in parts.items():

        def steps_for(frame, name=name, count=count):
            return [
                (lambda k=k: log.append((name, k, frame)))  # one entry per step
                for k in range(count)
            ]

        relay.add_part(name, steps_for)
    return relay


def test_steps_run_in_separate_events_behind_what_each_step_queued(qtbot) -> None:
    log: list = []
    relay = FrameRelay()

    def canvas_steps(frame):
        # A view's change queues its repaint; the next step must come after it.
        return [
            lambda: (log.append("canvas"), QtCore.QTimer.singleShot(0, lambda: log.append("paint")))
        ]

    relay.add_part("canvas", canvas_steps)
    relay.add_part(
        "plots", lambda frame: [lambda: log.append("plot 1"), lambda: log.append("plot 2")]
    )
    relay.push("frame")
    assert log == []  # nothing runs inside push: the event loop gives each step its turn
    _drain(qtbot, relay)
    assert log == ["canvas", "paint", "plot 1", "plot 2"]


def test_frames_arriving_together_are_shown_once_newest_only(qtbot) -> None:
    log: list = []
    relay = _recording_relay(log, {"canvas": 1, "plots": 2, "docks": 1})
    shown: list = []
    relay.frameShown.connect(shown.append)
    for frame in ("f1", "f2", "f3"):
        relay.push(frame)
    _drain(qtbot, relay)
    assert [frame for _part, _step, frame in log] == ["f3"] * 4
    assert shown == ["f3"]


def test_a_frame_arriving_mid_round_reaches_every_view_in_turn(qtbot) -> None:
    log: list = []
    relay = _canvas_and_plots(log, plot_steps=2, rest=0.0)
    relay.add_part("docks", lambda frame: [lambda: log.append(("docks", frame))])
    shown: list = []
    relay.frameShown.connect(shown.append)
    relay.push("f1")
    _drain(qtbot, relay)
    # The plots finish f1; the docks, whose turn comes next, take the newest; then the
    # canvas and the plots catch up with it. No view is passed over, none ends behind.
    assert log == [
        ("canvas", "f1"),
        ("plots 1", "f1"),
        ("plots 2", "f1"),
        ("docks", "f2"),
        ("canvas", "f2"),
        ("plots 1", "f2"),
        ("plots 2", "f2"),
    ]
    # f1 once the docks moved past it (every view showed f1 or newer), then f2.
    assert shown == ["f1", "f2"]


def test_frames_streaming_in_faster_than_the_views_take_them_are_still_announced(qtbot) -> None:
    relay = FrameRelay()
    pushed = iter(range(2, 40))

    def steps_for(frame):
        def step() -> None:
            # A new frame arrives during every step, more often than a round takes.
            following = next(pushed, None)
            if following is not None:
                relay.push(following)

        return [step]

    for name in ("canvas", "plots", "docks"):
        relay.add_part(name, steps_for)
    shown: list = []
    relay.frameShown.connect(shown.append)
    relay.push(1)
    _drain(qtbot, relay)
    assert shown == sorted(set(shown))  # announced in order, each once
    assert len(shown) >= 8  # about one per round of the three views
    assert shown[-1] == 39  # and the views end on the newest frame


def test_a_view_without_work_does_not_hold_up_the_others(qtbot) -> None:
    log: list = []
    relay = FrameRelay()
    relay.add_part("canvas", lambda frame: [lambda: log.append(("canvas", frame))])
    relay.add_part("hidden plots", lambda frame: [])
    shown: list = []
    relay.frameShown.connect(shown.append)
    relay.push("f1")
    _drain(qtbot, relay)
    assert log == [("canvas", "f1")]
    assert shown == ["f1"]


def test_flush_runs_every_step_now_and_close_drops_the_rest(qtbot) -> None:
    log: list = []
    relay = _recording_relay(log, {"canvas": 1, "plots": 2})
    relay.push("f1")
    relay.flush()
    assert [(part, step) for part, step, _frame in log] == [
        ("canvas", 0),
        ("plots", 0),
        ("plots", 1),
    ]
    assert not relay.busy
    relay.push("f2")
    relay.close()
    QtWidgets.QApplication.processEvents()
    assert len(log) == 3


def test_discard_drops_a_frame_midway_and_the_next_frame_reaches_every_view(qtbot) -> None:
    log: list = []
    relay = FrameRelay()
    opened: list = []

    def canvas_steps(frame):
        def show():
            log.append(("canvas", 0, frame))
            if frame == "old":
                # Another project is opened while the plots and docks still wait their turn.
                relay.discard()
                opened.append(relay.busy)

        return [show]

    relay.add_part("canvas", canvas_steps)
    relay.add_part(
        "plots", lambda frame: [lambda k=k: log.append(("plots", k, frame)) for k in (0, 1)]
    )
    relay.add_part("docks", lambda frame: [lambda: log.append(("docks", 0, frame))])
    shown: list = []
    relay.frameShown.connect(shown.append)
    relay.push("old")
    qtbot.waitUntil(lambda: bool(opened))
    assert opened == [False] and relay.frame is None
    QtWidgets.QApplication.processEvents()
    qtbot.wait(20)
    assert [frame for _part, _step, frame in log] == ["old"]
    assert shown == []  # never announced as shown: not every view showed it
    relay.push("new")
    _drain(qtbot, relay)
    assert [(part, frame) for part, _step, frame in log[1:]] == [
        ("canvas", "new"),
        ("plots", "new"),
        ("plots", "new"),
        ("docks", "new"),
    ]
    assert shown == ["new"]


def test_a_resting_view_skips_frames_but_ends_on_the_newest(qtbot) -> None:
    relay = FrameRelay()
    taken: dict[str, list] = {"canvas": [], "plots": []}
    relay.add_part("canvas", lambda frame: [lambda: taken["canvas"].append(frame)])
    relay.add_part("plots", lambda frame: [lambda: taken["plots"].append(frame)], rest=0.2)
    shown: list = []
    relay.frameShown.connect(shown.append)
    for frame in range(1, 6):
        relay.push(frame)
        qtbot.waitUntil(lambda frame=frame: taken["canvas"][-1:] == [frame])
    assert taken["canvas"] == [1, 2, 3, 4, 5]  # the canvas takes every frame
    assert shown == [1, 2, 3, 4, 5]  # and announces it
    assert taken["plots"][0] == 1 and len(taken["plots"]) < 5  # the plots rest between turns
    _drain(qtbot, relay)
    assert taken["plots"][-1] == 5  # and end on the newest frame
    relay.push(6)
    relay.flush()  # a flush does not wait for rests
    assert taken["plots"][-1] == 6


def _canvas_and_plots(log: list, plot_steps: int, rest: float) -> FrameRelay:
    """A canvas without a rest, and plots with ``plot_steps`` steps resting ``rest`` seconds.

    The plots' first step pushes frame "f2" while "f1" is halfway through their turn.
    """
    relay = FrameRelay()
    relay.add_part("canvas", lambda frame: [lambda: log.append(("canvas", frame))])

    def steps(frame):
        def first() -> None:
            log.append(("plots 1", frame))
            if frame == "f1":
                relay.push("f2")

        def later(number: int):
            return lambda: log.append((f"plots {number}", frame))

        return [first, *(later(number) for number in range(2, plot_steps + 1))]

    relay.add_part("plots", steps, rest=rest)
    return relay


def test_a_view_without_a_rest_cuts_into_a_resting_views_turn(qtbot) -> None:
    # The canvas takes every frame: one arriving while the plots (which rest) are halfway
    # through their turn reaches the canvas before the plots' next step, not after the turn.
    log: list = []
    relay = _canvas_and_plots(log, plot_steps=3, rest=0.05)
    shown: list = []
    relay.frameShown.connect(shown.append)
    relay.push("f1")
    _drain(qtbot, relay)
    assert log[:5] == [
        ("canvas", "f1"),
        ("plots 1", "f1"),
        ("canvas", "f2"),
        ("plots 2", "f1"),
        ("plots 3", "f1"),
    ]
    # After its rest the plots catch up with the newest frame; every frame was announced
    # when the canvas had shown it.
    assert log[5:] == [("plots 1", "f2"), ("plots 2", "f2"), ("plots 3", "f2")]
    assert shown == ["f1", "f2"]
    assert not relay.busy


def test_flush_finishes_a_turn_cut_into(qtbot) -> None:
    log: list = []
    relay = _canvas_and_plots(log, plot_steps=2, rest=10.0)
    relay.push("f1")
    relay.flush()
    assert log == [
        ("canvas", "f1"),
        ("plots 1", "f1"),
        ("canvas", "f2"),
        ("plots 2", "f1"),
        ("plots 1", "f2"),
        ("plots 2", "f2"),
    ]
    assert not relay.busy


def test_held_views_get_their_own_mode_back_however_often_they_were_held(qtbot) -> None:
    modes = QtWidgets.QGraphicsView.ViewportUpdateMode
    views = [QtWidgets.QGraphicsView(), QtWidgets.QGraphicsView()]
    for view in views:
        qtbot.addWidget(view)
    views[1].setViewportUpdateMode(modes.FullViewportUpdate)
    own = [view.viewportUpdateMode() for view in views]
    held = HeldViews()
    for _turn in range(2):  # a second turn holds them again before the first released them
        for view in views:
            held.hold(view)
    assert all(view.viewportUpdateMode() == modes.NoViewportUpdate for view in views)
    held.release(views[0])
    assert views[0].viewportUpdateMode() == own[0]
    assert views[1].viewportUpdateMode() == modes.NoViewportUpdate
    held.release_all()
    assert [view.viewportUpdateMode() for view in views] == own
    held.release(views[0])  # not held: nothing changes
    assert views[0].viewportUpdateMode() == own[0]
