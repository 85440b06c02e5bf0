"""ChatView with MessageDelegate: real widgets on the offscreen platform."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QGuiApplication, QHelpEvent, QPalette
from PySide6.QtWidgets import QApplication, QPushButton, QToolButton, QToolTip

from app.ui.chat import ChatItem, ChatView, MessageListModel, ToolCall
from app.ui.chat.markdown import COPY_CODE_PREFIX
from app.ui.chat.message_document import (
    COPY_TOOL_PREFIX,
    REASONING_SECTION,
    TOGGLE_PREFIX,
    tool_section,
)
from tests.ui.conftest import VIEW_SIZE, make_items, settle, shown_view

REASONING_LINK = f"{TOGGLE_PREFIX}{REASONING_SECTION}"



def click_link(qtbot, view: ChatView, message_id: object, href: str) -> None:
    rects = view.link_rects(message_id, href)
    assert rects, f"{href} is not drawn for message {message_id!r}"
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rects[0].center())
    settle(qtbot)


def add_lines(model: MessageListModel, message_id: object, count: int) -> None:
    for number in range(count):
        model.update_streaming(message_id, answer_delta=f"Line {number} of the streamed reply.\n\n")


# -- scaling ---------------------------------------------------------------------------------


def test_a_long_chat_builds_documents_only_for_the_rows_on_screen(qtbot) -> None:
    view = ChatView()
    qtbot.addWidget(view)
    built: list[object] = []
    view.delegate.documentBuilt.connect(built.append)
    view.setModel(MessageListModel(make_items(2000)))
    view.resize(*VIEW_SIZE)
    view.show()
    qtbot.waitExposed(view)
    settle(qtbot)

    assert 0 < len(built) < 50
    assert set(built) <= set(range(1900, 2000))  # only rows near the bottom, where it opens
    assert 1999 in built
    assert view.verticalScrollBar().value() == view.verticalScrollBar().maximum()


def test_scrolling_builds_the_rows_that_come_into_view_and_no_others(qtbot) -> None:
    view = shown_view(qtbot, MessageListModel(make_items(2000)))
    built: list[object] = []
    view.delegate.documentBuilt.connect(built.append)
    view.verticalScrollBar().setValue(0)
    settle(qtbot)
    assert 0 in built and len(built) < 50
    assert view.item_at(QPoint(5, 5)).message_id == 0


def test_a_streaming_update_rebuilds_only_the_live_rows_document(qtbot, model) -> None:
    model.append(ChatItem("live", "assistant", status="streaming", effort="high"))
    view = shown_view(qtbot, model)
    built: list[object] = []
    view.delegate.documentBuilt.connect(built.append)
    resets: list[object] = []
    model.modelReset.connect(lambda: resets.append(True))

    for number in range(30):
        model.update_streaming("live", answer_delta=f"word{number} ", reasoning_delta="hm ")
        settle(qtbot)

    assert built and set(built) == {"live"}
    assert resets == []
    assert "word29" in view.shown_text("live")


class LayoutCountingView(ChatView):
    layouts = 0

    def doItemsLayout(self) -> None:
        self.layouts += 1
        super().doItemsLayout()


def test_an_update_that_keeps_the_rows_height_lays_out_no_rows(qtbot, model) -> None:
    model.append(ChatItem("live", "assistant", "Start", status="streaming"))
    view = shown_view(qtbot, model, LayoutCountingView)
    assert isinstance(view, LayoutCountingView)
    before = view.layouts

    for _ in range(10):
        model.update_streaming("live", answer_delta=" w")
        settle(qtbot)
    assert view.layouts == before
    assert "Start w w w w w w w w w w" in view.shown_text("live")

    model.update_streaming("live", answer_delta="\n\nA new paragraph.")
    settle(qtbot)
    assert view.layouts == before + 1


def test_the_live_row_grows_and_the_view_follows_it(qtbot, model) -> None:
    model.append(ChatItem("live", "assistant", status="streaming"))
    view = shown_view(qtbot, model)
    index = view.row_index("live")
    height_before = view.visualRect(index).height()

    add_lines(model, "live", 20)
    settle(qtbot)

    assert view.visualRect(index).height() > height_before + 100
    assert view.is_following()
    scroll_bar = view.verticalScrollBar()
    assert scroll_bar.value() == scroll_bar.maximum() > 0
    assert view.visualRect(index).bottom() <= view.viewport().height()
    assert not view.jump_button.isVisible()


# -- following and "Jump to latest" ------------------------------------------------------------


def test_scrolled_up_the_view_stays_put_and_offers_jump_to_latest(qtbot) -> None:
    model = MessageListModel(make_items(40))
    model.append(ChatItem("live", "assistant", status="streaming"))
    view = shown_view(qtbot, model)
    scroll_bar = view.verticalScrollBar()
    scroll_bar.setValue(scroll_bar.maximum() // 3)  # the user scrolls up
    settle(qtbot)
    reading, content_end = scroll_bar.value(), scroll_bar.maximum()
    top_message = view.item_at(QPoint(5, 5))
    assert not view.is_following()
    assert view.jump_button.isVisible()

    add_lines(model, "live", 15)
    settle(qtbot)

    assert scroll_bar.maximum() > content_end + 200  # the off-screen live row was measured
    assert scroll_bar.value() == reading
    assert view.item_at(QPoint(5, 5)) is top_message
    assert view.jump_button.isVisible()

    qtbot.mouseClick(view.jump_button, Qt.MouseButton.LeftButton)
    settle(qtbot)
    assert view.is_following()
    assert scroll_bar.value() == scroll_bar.maximum()
    assert not view.jump_button.isVisible()

    add_lines(model, "live", 5)
    settle(qtbot)
    assert scroll_bar.value() == scroll_bar.maximum()


def test_a_message_above_changing_height_does_not_move_what_the_user_reads(qtbot) -> None:
    model = MessageListModel(make_items(40))
    view = shown_view(qtbot, model)
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() // 2)
    settle(qtbot)
    reading = view.indexAt(QPoint(5, view.viewport().height() // 2))
    top = view.visualRect(reading).top()
    above = model.item_at(reading.row() - 3)

    model.replace(ChatItem(above.message_id, above.role, "A much longer text.\n\n" * 40))
    settle(qtbot)

    assert view.visualRect(reading).top() == top


def test_scrolling_back_to_the_bottom_resumes_following(qtbot) -> None:
    model = MessageListModel(make_items(30))
    view = shown_view(qtbot, model)
    scroll_bar = view.verticalScrollBar()
    scroll_bar.setValue(0)
    assert not view.is_following()
    scroll_bar.setValue(scroll_bar.maximum())
    assert view.is_following()
    assert not view.jump_button.isVisible()


def test_opening_another_conversation_starts_at_its_bottom(qtbot) -> None:
    model = MessageListModel(make_items(30))
    view = shown_view(qtbot, model)
    view.verticalScrollBar().setValue(0)
    model.set_items(make_items(50, start=100))
    settle(qtbot)
    assert view.is_following()
    assert view.verticalScrollBar().value() == view.verticalScrollBar().maximum()


def test_a_new_message_is_scrolled_into_view_when_following(qtbot, view, model) -> None:
    model.append(ChatItem("question", "user", "A new question\n" * 30))
    settle(qtbot)
    rect = view.visualRect(view.row_index("question"))
    assert rect.bottom() <= view.viewport().height()
    assert view.verticalScrollBar().value() == view.verticalScrollBar().maximum()


def test_resizing_lays_the_rows_out_at_the_new_width(qtbot, view, model) -> None:
    index = view.row_index(5)
    wide_height = view.visualRect(index).height()
    view.resize(420, VIEW_SIZE[1])
    settle(qtbot)
    assert view.visualRect(index).height() > wide_height
    assert view.verticalScrollBar().value() == view.verticalScrollBar().maximum()


# -- reasoning, badges, status --------------------------------------------------------------


def test_reasoning_is_collapsed_until_its_header_is_clicked(qtbot, model) -> None:
    model.append(ChatItem("r", "assistant", "The answer.", reasoning="a secret plan",
                          reasoning_seconds=12.2, effort="high"))
    view = shown_view(qtbot, model)
    assert "Thought for 12 s" in view.shown_text("r")
    assert "a secret plan" not in view.shown_text("r")
    height = view.visualRect(view.row_index("r")).height()

    click_link(qtbot, view, "r", REASONING_LINK)
    assert "a secret plan" in view.shown_text("r")
    assert view.visualRect(view.row_index("r")).height() > height

    click_link(qtbot, view, "r", REASONING_LINK)
    assert "a secret plan" not in view.shown_text("r")
    assert view.visualRect(view.row_index("r")).height() == height


def test_toggling_keeps_the_reply_where_it_is_on_screen(qtbot, model) -> None:
    model.append(ChatItem("r", "assistant", "The answer.", reasoning="line\n" * 40,
                          reasoning_seconds=2))
    view = shown_view(qtbot, model)
    top = view.visualRect(view.row_index("r")).top()
    click_link(qtbot, view, "r", REASONING_LINK)
    assert view.visualRect(view.row_index("r")).top() == top
    assert not view.is_following()  # the opened reasoning runs below the bottom edge


def test_reasoning_can_be_shown_expanded_by_default(qtbot, model) -> None:
    model.append(ChatItem("r", "assistant", "Answer.", reasoning="visible thoughts"))
    view = shown_view(qtbot, model)
    view.set_reasoning_expanded_by_default(True)
    settle(qtbot)
    assert "visible thoughts" in view.shown_text("r")
    view.toggle_reasoning("r")
    assert "visible thoughts" not in view.shown_text("r")


def test_reasoning_header_says_thinking_while_streaming(qtbot, model) -> None:
    model.append(ChatItem("live", "assistant", status="streaming", effort="low"))
    view = shown_view(qtbot, model)
    assert "Thinking…" in view.shown_text("live")
    assert "Low effort" in view.shown_text("live")
    model.update_streaming("live", reasoning_delta="considering")
    model.update_streaming("live", answer_delta="Done.")
    model.replace(ChatItem("live", "assistant", "Done.", reasoning="considering",
                           reasoning_seconds=75, effort="low"))
    settle(qtbot)
    assert "Thought for 1 min 15 s" in view.shown_text("live")


def test_a_tool_call_is_a_collapsed_block_whose_code_can_be_copied(qtbot, model) -> None:
    model.append(ChatItem("t", "assistant", "The sum is 6.",
                          tool_calls=[ToolCall("python", "print(1 + 2 + 3)", "6")]))
    view = shown_view(qtbot, model)
    assert "Ran Python" in view.shown_text("t")
    assert "print(1 + 2 + 3)" not in view.shown_text("t")
    click_link(qtbot, view, "t", f"{TOGGLE_PREFIX}{tool_section(0)}")
    assert "print(1 + 2 + 3)" in view.shown_text("t")
    click_link(qtbot, view, "t", f"{COPY_TOOL_PREFIX}0")
    assert QGuiApplication.clipboard().text() == "print(1 + 2 + 3)"


def test_status_error_and_stats_are_shown(qtbot, model) -> None:
    model.append(ChatItem("stopped", "assistant", "Half an ans", status="interrupted"))
    model.append(ChatItem("failed", "assistant", status="error", error="out of memory"))
    model.append(ChatItem("ok", "assistant", "Fine.",
                          stats={"tokens_per_second": 16.66, "tokens": 120}))
    view = shown_view(qtbot, model)
    assert "Stopped before the reply was finished." in view.shown_text("stopped")
    assert "Error: out of memory" in view.shown_text("failed")
    assert "16.7 tok/s · 120 tokens" in view.shown_text("ok")


def test_user_messages_sit_in_a_bubble_on_the_right(qtbot, view) -> None:
    user, reply = view.row_index(4), view.row_index(5)
    user_rect = view.delegate.document_rect(view.style_option(user), user)
    reply_rect = view.delegate.document_rect(view.style_option(reply), reply)
    assert user_rect.left() > view.viewport().width() // 3
    assert reply_rect.left() < user_rect.left()
    assert "**" not in view.shown_text(5) and "Step 5" in view.shown_text(5)  # Markdown
    view.message_model().append(ChatItem("u", "user", "**literal** <b>text</b>"))
    settle(qtbot)
    assert view.shown_text("u") == "**literal** <b>text</b>"  # typed text is shown as typed


# -- clicks: copy code, links ---------------------------------------------------------------


def test_copy_on_a_code_block_puts_exactly_that_code_on_the_clipboard(qtbot, model) -> None:
    answer = ("Two blocks:\n\n```python\ndef first():\n    return 1\n```\n\n"
              "```bash\necho 'second' | tr a-z A-Z\n```\n\nThe end.")
    model.append(ChatItem("code", "assistant", answer))
    view = shown_view(qtbot, model)
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("before")

    with qtbot.waitSignal(view.codeCopied, timeout=1000):
        click_link(qtbot, view, "code", f"{COPY_CODE_PREFIX}1")
    assert clipboard.text() == "echo 'second' | tr a-z A-Z"
    click_link(qtbot, view, "code", f"{COPY_CODE_PREFIX}0")
    assert clipboard.text() == "def first():\n    return 1"


def test_a_link_click_is_reported_and_never_opened(qtbot, model, monkeypatch) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", opened.append)
    model.append(ChatItem("links", "assistant", "See [the docs](https://example.com/docs) "
                          "or [a file](ftp://example.com/file) or [mail](mailto:a@example.com)."))
    view = shown_view(qtbot, model)

    with qtbot.waitSignal(view.linkActivated, timeout=1000) as activated:
        click_link(qtbot, view, "links", "https://example.com/docs")
    assert activated.args == [QUrl("https://example.com/docs")]
    with qtbot.assertNotEmitted(view.linkActivated):
        click_link(qtbot, view, "links", "ftp://example.com/file")
    with qtbot.waitSignal(view.linkActivated, timeout=1000):
        click_link(qtbot, view, "links", "mailto:a@example.com")
    assert opened == []


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # the offscreen tooltip
def test_hovering_a_link_shows_where_it_goes(qtbot, model) -> None:
    model.append(ChatItem("links", "assistant", "A [harmless name](https://example.com/real)."))
    view = shown_view(qtbot, model)
    center = view.link_rects("links", "https://example.com/real")[0].center()
    event = QHelpEvent(QEvent.Type.ToolTip, center, view.viewport().mapToGlobal(center))
    QApplication.sendEvent(view.viewport(), event)
    assert QToolTip.text() == "https://example.com/real"
    QToolTip.hideText()


def test_pressing_a_link_and_releasing_elsewhere_does_nothing(qtbot, model) -> None:
    model.append(ChatItem("links", "assistant", "A [link](https://example.com) here."))
    view = shown_view(qtbot, model)
    link = view.link_rects("links", "https://example.com")[0]
    with qtbot.assertNotEmitted(view.linkActivated):
        qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=link.center())
        qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton,
                           pos=link.center() + QPoint(0, 200))


# -- message actions ------------------------------------------------------------------------


def hover(qtbot, view: ChatView, message_id: object) -> None:
    rect = view.visualRect(view.row_index(message_id))
    qtbot.mouseMove(view.viewport(), rect.center())
    settle(qtbot)
    assert view.action_bar.isVisible() and view.action_bar.message_id == message_id


def bar_button(view: ChatView, name: str) -> QToolButton:
    buttons = [b for b in view.action_bar.findChildren(QToolButton) if b.accessibleName() == name]
    assert len(buttons) == 1, name
    return buttons[0]


def test_hovering_a_user_message_offers_copy_edit_and_delete(qtbot, view) -> None:
    hover(qtbot, view, 4)
    assert bar_button(view, "Edit message").isVisible()
    assert not bar_button(view, "Regenerate reply").isVisible()
    for name, signal in (("Copy message", view.copyRequested), ("Edit message", view.editRequested),
                         ("Delete message", view.deleteRequested)):
        with qtbot.waitSignal(signal, timeout=1000) as emitted:
            qtbot.mouseClick(bar_button(view, name), Qt.MouseButton.LeftButton)
        assert emitted.args == [4]


def test_hovering_a_reply_offers_regenerate_and_its_versions(qtbot, model) -> None:
    model.append(ChatItem("v", "assistant", "Version two.", sibling_index=2, sibling_count=3))
    view = shown_view(qtbot, model)
    hover(qtbot, view, "v")
    assert not bar_button(view, "Edit message").isVisible()
    with qtbot.waitSignal(view.regenerateRequested, timeout=1000) as emitted:
        qtbot.mouseClick(bar_button(view, "Regenerate reply"), Qt.MouseButton.LeftButton)
    assert emitted.args == ["v"]
    assert view.action_bar.version_label.text() == "2/3"
    for name, delta in (("Previous version", -1), ("Next version", 1)):
        with qtbot.waitSignal(view.siblingRequested, timeout=1000) as emitted:
            qtbot.mouseClick(bar_button(view, name), Qt.MouseButton.LeftButton)
        assert emitted.args == ["v", delta]


def test_a_streaming_reply_cannot_be_regenerated_or_deleted_yet(qtbot, model) -> None:
    model.append(ChatItem("live", "assistant", "Partial", status="streaming"))
    view = shown_view(qtbot, model)
    hover(qtbot, view, "live")
    assert not bar_button(view, "Regenerate reply").isEnabled()
    assert not bar_button(view, "Delete message").isEnabled()
    model.replace(ChatItem("live", "assistant", "Partial, then done."))
    settle(qtbot)
    assert bar_button(view, "Regenerate reply").isEnabled()


def test_the_action_bar_leaves_with_the_pointer(qtbot, view) -> None:
    hover(qtbot, view, 5)
    QApplication.sendEvent(view.viewport(), QEvent(QEvent.Type.Leave))
    assert not view.action_bar.isVisible()
    hover(qtbot, view, 4)  # and comes back on the next message hovered


def test_the_action_bar_follows_the_keyboard(qtbot, view) -> None:
    view.setFocus()
    qtbot.waitUntil(view.hasFocus, timeout=1000)
    view.setCurrentIndex(view.row_index(3))
    assert view.action_bar.isVisible() and view.action_bar.message_id == 3


def test_the_context_menu_has_the_same_actions(qtbot, model) -> None:
    model.append(ChatItem("v", "assistant", "Two.", reasoning="why", sibling_index=1,
                          sibling_count=2))
    view = shown_view(qtbot, model)
    menu = view.context_menu_for(model.item("v"))
    actions = {action.text(): action for action in menu.actions() if action.text()}
    assert list(actions) == ["Copy message", "Regenerate reply", "Show thinking",
                             "Previous version", "Next version", "Delete message"]
    assert not actions["Previous version"].isEnabled()
    with qtbot.waitSignal(view.siblingRequested, timeout=1000) as emitted:
        actions["Next version"].trigger()
    assert emitted.args == ["v", 1]
    actions["Show thinking"].trigger()
    assert "why" in view.shown_text("v")
    user_menu = view.context_menu_for(model.item(0))
    assert [a.text() for a in user_menu.actions() if a.text()] == [
        "Copy message", "Edit message", "Delete message"]


def test_copy_shortcut_asks_to_copy_the_current_message(qtbot, view) -> None:
    view.setFocus()
    view.setCurrentIndex(view.row_index(3))
    with qtbot.waitSignal(view.copyRequested, timeout=1000) as emitted:
        qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert emitted.args == [3]


# -- accessibility and theme ----------------------------------------------------------------


def test_the_view_and_its_buttons_have_accessible_names(qtbot, view) -> None:
    assert view.accessibleName() == "Messages"
    assert view.jump_button.accessibleName() == "Jump to latest"
    assert isinstance(view.jump_button, QPushButton)
    names = {button.accessibleName() for button in view.action_bar.findChildren(QToolButton)}
    assert names == {"Copy message", "Edit message", "Regenerate reply", "Delete message",
                     "Previous version", "Next version"}
    index = view.row_index(4)
    assert view.message_model().data(index, Qt.ItemDataRole.AccessibleTextRole).startswith(
        "Question 4")


def test_the_theme_follows_a_dark_palette(qtbot, view) -> None:
    from app.ui.chat import DARK, LIGHT

    palette = view.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#202124"))
    view.setPalette(palette)
    assert view.delegate.theme == DARK
    view.set_theme(LIGHT)  # an explicit choice wins over the palette
    view.setPalette(palette)
    assert view.delegate.theme == LIGHT


def test_a_dark_theme_rebuilds_with_dark_code_colours(qtbot, view) -> None:
    from app.ui.chat import DARK

    built: list[object] = []
    view.delegate.documentBuilt.connect(built.append)
    view.set_theme(DARK)
    settle(qtbot)
    assert built  # visible rows were rebuilt in the new colours
    index = view.row_index(5)
    html = view.delegate.document_for(view.style_option(index), index).to_html()
    assert "#0d1117" in html.lower()  # github-dark's code background
