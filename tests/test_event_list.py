"""The event list's own delegate (viewer/eventdelegate.py): it paints every cell as Qt's
delegate would from the model's roles (bold current rows, grey rows still to come, the
traced chain's warm background, the category swatch, elided titles), reads the right
row under a filter, and shows data as text."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from viewer.filters import EventFilter

BAGHDAD = timezone(timedelta(hours=3))
#: Pixels allowed to differ from Qt's delegate (antialiasing at an elision's edge).
TOLERANCE = 0.005


def painted_both_ways(qtbot: Any, window: Any) -> tuple[Any, Any]:
    """The list's viewport as our delegate paints it, and as Qt's own would."""
    from PySide6.QtCore import QItemSelectionModel
    from PySide6.QtWidgets import QStyledItemDelegate

    view = window.list_view
    # Qt's delegate tints the selected row's swatch with the highlight; ours keeps its
    # colour. Compare rows without a selection.
    view.selectionModel().clear()
    view.selectionModel().setCurrentIndex(
        view.model().index(-1, -1), QItemSelectionModel.SelectionFlag.NoUpdate
    )
    ours = view.itemDelegate()
    qt_own = QStyledItemDelegate(view)
    view.viewport().repaint()
    mine = view.viewport().grab().toImage()
    view.setItemDelegate(qt_own)
    view.viewport().repaint()
    theirs = view.viewport().grab().toImage()
    view.setItemDelegate(ours)
    return mine, theirs


def differing(a: Any, b: Any) -> float:
    assert a.size() == b.size()
    diff = sum(
        1 for y in range(a.height()) for x in range(a.width()) if a.pixel(x, y) != b.pixel(x, y)
    )
    return diff / (a.width() * a.height())


@pytest.mark.gui
@pytest.mark.parametrize(
    ("moment", "trace"),
    [
        (datetime(2019, 12, 29, 12, tzinfo=BAGHDAD), None),  # current, past and future rows
        (datetime(2019, 12, 31, 14, tzinfo=BAGHDAD), None),  # the siege: many bold rows
        (datetime(2019, 12, 29, 12, tzinfo=BAGHDAD), "us-strikes-kataib-hezbollah"),
    ],
)
def test_cells_look_as_qt_paints_them(
    qtbot: Any, real_window: Any, moment: datetime, trace: str | None
) -> None:
    window = real_window
    window.time_state.set_moment(moment)
    if trace:
        window.set_trace(trace)
    mine, theirs = painted_both_ways(qtbot, window)
    view = window.list_view
    shown = range(view.rowAt(0), view.rowAt(view.viewport().height() - 1) + 1)
    looks = {window.model.row_look(window.proxy.source_row(row)) for row in shown}
    assert differing(mine, theirs) <= TOLERANCE
    if moment.day == 29:  # the rows in view are of several looks, not of one only
        assert len(looks) > 1, looks


@pytest.mark.gui
def test_narrow_columns_elide_as_qt_does(qtbot: Any, real_window: Any) -> None:
    header = real_window.list_view.horizontalHeader()
    header.resizeSection(0, 60)  # "Tue 31 Dec 2019" does not fit: elided
    mine, theirs = painted_both_ways(qtbot, real_window)
    assert differing(mine, theirs) <= TOLERANCE


@pytest.mark.gui
def test_filtered_rows_read_the_right_events(qtbot: Any, real_window: Any) -> None:
    window = real_window
    window.filter_bar.set_filter(EventFilter(categories=frozenset({"strike"})))
    proxy = window.proxy
    assert 0 < proxy.rowCount() < len(window.index.events)
    for row in range(proxy.rowCount()):
        assert proxy.source_row(row) == proxy.mapToSource(proxy.index(row, 0)).row()
    mine, theirs = painted_both_ways(qtbot, window)
    assert differing(mine, theirs) <= TOLERANCE
    window.filter_bar.clear()
    assert all(proxy.source_row(row) == row for row in range(proxy.rowCount()))


@pytest.mark.gui
def test_markup_in_titles_is_painted_as_text(qtbot: Any, tmp_path: Any) -> None:
    from conftest import close_window, minimal_dataset, show_until_ready, write_dataset
    from PySide6.QtCore import QSettings

    from viewer.dataset import load_dataset
    from viewer.window import MainWindow

    data = minimal_dataset()
    data["events"][0]["title"] = '<b>Bold?</b> &amp; <img src="x" onerror="alert(1)"> \u202eevil'
    dataset = load_dataset(write_dataset(tmp_path, data))
    window = MainWindow(
        dataset, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    )
    show_until_ready(qtbot, window)
    try:
        window.list_view.horizontalHeader().resizeSection(0, 150)
        mine, theirs = painted_both_ways(qtbot, window)
        assert differing(mine, theirs) <= TOLERANCE
        assert window.model.cell_text(0, 2).startswith("<b>Bold?</b> &amp; <img")
    finally:
        close_window(qtbot, window)


@pytest.mark.gui
@pytest.mark.parametrize("column", [0, 2])
def test_focused_selected_cell_looks_as_qt_paints_it(
    qtbot: Any, real_window: Any, column: int
) -> None:
    """The selected cell with the keyboard in the list (its focus frame), painted by
    each delegate into an image of its own: the same pixels."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

    view = real_window.list_view
    index = view.model().index(3, column)
    width, height = view.columnWidth(column), view.rowHeight(3)

    def painted(delegate: Any) -> Any:
        option = QStyleOptionViewItem()
        view.initViewItemOption(option)
        option.rect = QRect(0, 0, width, height)
        option.state |= QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus
        image = QImage(width, height, QImage.Format.Format_ARGB32)
        image.fill(0xFFFFFFFF)
        painter = QPainter(image)
        delegate.paint(painter, option, index)
        painter.end()
        return image

    assert painted(view.itemDelegate()) == painted(QStyledItemDelegate(view))
