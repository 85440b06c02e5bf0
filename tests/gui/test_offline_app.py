"""With a model set up, starting the app and chatting never touch the network."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.download.test_offline import no_network  # noqa: F401  (the fixture)


def test_start_up_load_and_chat_open_no_socket(qtbot, gui, reply_model,
                                               no_network: list) -> None:  # noqa: F811
    session = gui()
    session.library.add_file(reply_model.path)
    session.library.set_default(session.library.find(reply_model.path))
    with qtbot.waitSignal(session.controller.modelLoaded, timeout=30000):
        session.start_model(None)
    assert session.window.welcome is None
    session.window.composer.input.setPlainText("Hello offline")
    qtbot.keyClick(session.window.composer.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not session.controller.generating, timeout=30000)
    assert session.controller.model.item_at(1).answer == "Hello! **How** can I help?"
    assert no_network == []
