"""gpt-oss running Python with the user's consent, through the real engine and a real sandbox."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.modelgen.scripted import split_markers

CALL = ("<|channel|>analysis<|message|>I should compute this.<|end|><|start|>assistant"
        " to=python<|channel|>analysis<|message|>{code}<|call|>")
ANSWER = "<|channel|>final<|message|>The result is in.<|return|>"


@pytest.fixture
def python_model(scripted_model):
    def make(code: str):
        return scripted_model(split_markers(CALL.format(code=code)),
                              after_call=split_markers(ANSWER))
    return make


def _ask(qtbot, session, text: str, *, allow: bool | None = True) -> None:
    window = session.window
    if allow is not None:
        window.composer.python_check.setChecked(allow)
    window.composer.input.setPlainText(text)
    qtbot.keyClick(window.composer.input, Qt.Key.Key_Return)


def _done(qtbot, session) -> None:
    qtbot.waitUntil(lambda: not session.controller.generating, timeout=60000)


def test_run_executes_the_code_and_the_reply_resumes(qtbot, gui, python_model) -> None:
    session = gui(python_model("print(6 * 7)").path, n_ctx=4096)
    window, controller = session.window, session.controller
    with qtbot.waitSignal(controller.toolConsentRequested, timeout=30000) as asked:
        _ask(qtbot, session, "What is 6 times 7?")
    assert asked.args == ["print(6 * 7)"]
    assert window.tool_consent.isVisible()
    assert window.tool_consent.code.toPlainText() == "print(6 * 7)"
    qtbot.mouseClick(window.tool_consent.run_button, Qt.MouseButton.LeftButton)
    _done(qtbot, session)
    reply = controller.model.item_at(1)
    assert reply.answer == "The result is in."
    assert [(c.name, c.arguments, c.result) for c in reply.tool_calls] == [
        ("python", "print(6 * 7)", "42")]
    prompts = session.engine.worker.engine.prompts
    assert "# Tools\n\n## python" in prompts[0]
    continued = prompts[-1]
    assert ("<|start|>assistant to=python<|channel|>analysis<|message|>print(6 * 7)<|call|>"
            "<|start|>python to=assistant<|channel|>analysis<|message|>42<|end|>") in continued
    assert "I should compute this." in continued  # the chain keeps its reasoning
    stored = session.store.get_message(reply.message_id)
    assert stored.status == "complete" and stored.tool_calls[0]["result"] == "42"
    roles = [(r["role"], r.get("recipient")) for r in stored.harmony]
    assert roles == [("assistant", None), ("assistant", "python"), ("tool", "assistant"),
                     ("assistant", None)]
    # After a restart of the window the chain is shown again from the store.
    conversation = controller.conversation.id
    session.close()
    again = gui()
    again.controller.open_conversation(conversation)
    assert again.controller.model.item_at(1).tool_calls[0].result == "42"


def test_deny_sends_a_refusal_as_the_tool_result(qtbot, gui, python_model) -> None:
    session = gui(python_model("import os; os.remove('x')").path, n_ctx=4096)
    with qtbot.waitSignal(session.controller.toolConsentRequested, timeout=30000):
        _ask(qtbot, session, "Delete x")
    qtbot.mouseClick(session.window.tool_consent.deny_button, Qt.MouseButton.LeftButton)
    _done(qtbot, session)
    reply = session.controller.model.item_at(1)
    assert reply.tool_calls[0].result == "The user did not allow running this code."
    assert reply.answer == "The result is in."


def test_always_allow_is_remembered_for_the_chat(qtbot, gui, python_model) -> None:
    session = gui(python_model("print('hi')").path, n_ctx=4096)
    with qtbot.waitSignal(session.controller.toolConsentRequested, timeout=30000):
        _ask(qtbot, session, "Say hi")
    qtbot.mouseClick(session.window.tool_consent.always_button, Qt.MouseButton.LeftButton)
    _done(qtbot, session)
    conversation = session.controller.conversation
    assert conversation.python_tool == "always"
    assert session.window.composer.python_check.isChecked()
    # A regenerated reply runs the code without asking.
    asked: list[str] = []
    session.controller.toolConsentRequested.connect(asked.append)
    session.controller.regenerate(session.controller.model.item_at(1).message_id)
    _done(qtbot, session)
    assert asked == []
    assert session.controller.model.item_at(1).tool_calls[0].result == "hi"


def test_without_permission_the_tool_is_not_offered_nor_run(qtbot, gui, python_model) -> None:
    session = gui(python_model("print('sneaky')").path, n_ctx=4096)
    asked: list[str] = []
    session.controller.toolConsentRequested.connect(asked.append)
    _ask(qtbot, session, "Try it", allow=False)
    _done(qtbot, session)
    assert asked == []
    assert "## python" not in session.engine.worker.engine.prompts[0]
    reply = session.controller.model.item_at(1)
    assert reply.tool_calls[0].result == "The tool python is not available in this chat."


def test_timeout_and_crash_become_the_tool_result(qtbot, gui, python_model) -> None:
    for code, expected in (("import time; time.sleep(60)", "Execution timed out after 1 s"),
                           ("import os; os._exit(3)", "crashed")):
        session = gui(python_model(code).path, n_ctx=4096)
        session.window.new_chat()  # the window reopens the previous run's chat
        session.controller.tools.timeout = 1.0
        session.controller.set_python_tool("always")
        _ask(qtbot, session, "Run it", allow=None)
        _done(qtbot, session)
        reply = session.controller.model.item_at(1)
        assert expected in reply.tool_calls[0].result
        assert reply.answer == "The result is in."
        session.close()


def test_stop_while_the_code_runs_kills_it_and_keeps_the_chain(qtbot, gui,
                                                               python_model) -> None:
    session = gui(python_model("import time; time.sleep(60)").path, n_ctx=4096)
    controller = session.controller
    with qtbot.waitSignal(controller.toolConsentRequested, timeout=30000):
        _ask(qtbot, session, "Wait a minute")
    qtbot.mouseClick(session.window.tool_consent.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.tools.busy, timeout=5000)
    qtbot.wait(300)
    qtbot.keyClick(session.window.composer.input, Qt.Key.Key_Escape)
    _done(qtbot, session)
    reply = controller.model.item_at(1)
    assert reply.status == "interrupted"
    assert "stopped" in reply.tool_calls[0].result
    stored = session.store.get_message(reply.message_id)
    assert stored.status == "interrupted"
    assert [r.get("recipient") for r in stored.harmony] == [None, "python", "assistant"]
