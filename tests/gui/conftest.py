"""The real main window, store and engine thread, on generated scripted models."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.core.engine.config import EngineConfig
from app.core.engine.engine import Engine
from app.core.harmony.render import render_text
from app.core.paths import AppPaths
from app.ui.application import AppSession
from app.ui.services.engine_service import EngineService
from tests.modelgen.scripted import split_markers

REPLY = ("<|channel|>analysis<|message|>The user greets. Answer kindly.<|end|>"
         "<|start|>assistant<|channel|>final<|message|>Hello! **How** can I help?<|return|>")


class RecordingEngine(Engine):
    """The real engine, noting the exact prompt text of every turn it is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.prompts: list[str] = []

    def generate(self, prompt, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.prompts.append(render_text(prompt))
        return super().generate(prompt, *args, **kwargs)


@pytest.fixture
def reply_model(scripted_model):
    return scripted_model(split_markers(REPLY))


@pytest.fixture
def endless_model(scripted_model):
    return scripted_model([*split_markers("<|channel|>final<|message|>"), "la ", "li "],
                          endless=True, loop_from=3)


@pytest.fixture
def gui(qtbot, app_paths: AppPaths) -> Iterator[Callable[..., AppSession]]:
    sessions: list[AppSession] = []

    def start(model: Path | None = None, *, n_ctx: int = 2048) -> AppSession:
        session = AppSession.start(app_paths, EngineService(engine=RecordingEngine()))
        sessions.append(session)
        window, controller = session.window, session.controller
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        if model is not None:
            with qtbot.waitSignal(controller.modelLoaded, timeout=30000):
                controller.load_model(model, EngineConfig(n_ctx=n_ctx, n_threads=2))
        return session

    yield start
    for session in sessions:
        session.close()
        session.preferences.theme.apply("system")  # the palette is the whole application's
