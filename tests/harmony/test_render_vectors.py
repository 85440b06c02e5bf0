"""Rendering equals OpenAI's reference vectors byte for byte (openai/harmony v0.0.8 test data)."""

from __future__ import annotations

import pytest

from app.core.harmony.prompt import Message
from app.core.harmony.render import render_message, render_text
from tests.harmony.vectors import CASE_NAMES, DATA, case_expected, case_prompt, vector


def test_every_rendering_vector_has_a_case() -> None:
    vectors = {path.name.removesuffix(".txt") for path in DATA.glob("test_*.txt")}
    not_renderings = {"test_streamable_parser", "test_tool_response_parsing"}
    assert vectors - not_renderings == set(CASE_NAMES)
    assert len(CASE_NAMES) == 19


@pytest.mark.parametrize("name", CASE_NAMES)
def test_render_text_equals_the_reference_vector(name: str) -> None:
    assert render_text(case_prompt(name)) == case_expected(name)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_expectation_is_the_vector_without_trailing_whitespace(name: str) -> None:
    assert case_expected(name) == vector(name).rstrip()


def test_tool_response_vector_is_a_tool_message_without_its_end() -> None:
    expected = vector("test_tool_response_parsing").rstrip()
    message = Message(role="tool", name="browser.search", recipient="assistant",
                      channel="commentary", content='{"result": "https://openai.com/"}')
    rendered = "".join(segment.text for segment in render_message(message))
    assert rendered == expected + "<|end|>"
