"""Prompt input: defaults, the parts of the system and developer messages, and validation."""

from __future__ import annotations

import pytest

from app.core.harmony.prompt import FunctionTool, Message, Prompt, PromptError, ResponseFormat
from app.core.harmony.render import render_text

SYSTEM_DEFAULT = (
    "<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI.\n"
    "Knowledge cutoff: 2024-06\n\nReasoning: medium\n\n"
    "# Valid channels: analysis, commentary, final. Channel must be included for every message."
    "<|end|>"
)


def test_empty_input_means_the_defaults() -> None:
    prompt = Prompt.from_json({})
    assert prompt == Prompt()
    assert render_text(prompt) == SYSTEM_DEFAULT + "<|start|>assistant"


@pytest.mark.parametrize("effort", ["low", "medium", "high"])
def test_reasoning_effort_is_the_reasoning_line(effort: str) -> None:
    text = render_text(Prompt.from_json({"reasoning_effort": effort}))
    assert f"\n\nReasoning: {effort}\n\n" in text
    assert text.count("Reasoning:") == 1


def test_current_date_line_only_when_given() -> None:
    with_date = render_text(Prompt(current_date="2025-08-05"))
    assert "Knowledge cutoff: 2024-06\nCurrent date: 2025-08-05\n\nReasoning" in with_date
    assert "Current date" not in render_text(Prompt(current_date=None))


def test_without_system_message_the_developer_message_still_comes() -> None:
    text = render_text(Prompt(system=False, instructions="Be brief.",
                              messages=(Message("user", "Hi"),)))
    assert text == ("<|start|>developer<|message|># Instructions\n\nBe brief.<|end|>"
                    "<|start|>user<|message|>Hi<|end|><|start|>assistant")


def test_no_developer_message_without_instructions_or_tools() -> None:
    assert "developer" not in render_text(Prompt(messages=(Message("user", "Hi"),)))


def test_function_tools_add_the_channel_note_and_a_namespace() -> None:
    tool = FunctionTool("get_time", "Gets the time.", None)
    text = render_text(Prompt(tools=(tool,), add_generation_prompt=False))
    assert ("Channel must be included for every message.\n"
            "Calls to these tools must go to the commentary channel: 'functions'.<|end|>") in text
    assert text.endswith("<|start|>developer<|message|># Tools\n\n## functions\n\n"
                         "namespace functions {\n\n// Gets the time.\ntype get_time = () => any;"
                         "\n\n} // namespace functions<|end|>")


def test_builtin_tools_are_in_the_system_message_in_name_order() -> None:
    text = render_text(Prompt(builtin_tools=("python", "browser")))
    assert text.index("## browser") < text.index("## python") < text.index("# Valid channels")
    assert "developer" not in text


def test_response_formats_end_the_developer_message() -> None:
    schema = {"type": "object", "properties": {"items": {"type": "array"}}}
    text = render_text(Prompt(system=False, instructions="Shop.", add_generation_prompt=False,
                              response_formats=(ResponseFormat("shopping_list", schema,
                                                               "A list."),)))
    assert text == ("<|start|>developer<|message|># Instructions\n\nShop.\n\n"
                    "# Response Formats\n\n## shopping_list\n\n// A list.\n"
                    '{"type":"object","properties":{"items":{"type":"array"}}}<|end|>')


@pytest.mark.parametrize(("message", "rendered"), [
    (Message("user", "Hi", name="alice"), "<|start|>user:alice<|message|>Hi<|end|>"),
    (Message("assistant", "{}", channel="commentary", recipient="functions.f",
             content_type="<|constrain|>json"),
     "<|start|>assistant to=functions.f<|channel|>commentary <|constrain|>json<|message|>{}"
     "<|call|>"),
    (Message("assistant", "print(1)", channel="analysis", recipient="python", content_type="code"),
     "<|start|>assistant to=python<|channel|>analysis code<|message|>print(1)<|call|>"),
    (Message("tool", "22 C", name="functions.f", recipient="assistant", channel="commentary"),
     "<|start|>functions.f to=assistant<|channel|>commentary<|message|>22 C<|end|>"),
    (Message("assistant", "Hi", channel="final", recipient="all"),
     "<|start|>assistant<|channel|>final<|message|>Hi<|call|>"),
])
def test_message_headers(message: Message, rendered: str) -> None:
    prompt = Prompt(system=False, messages=(message,), add_generation_prompt=False)
    assert render_text(prompt) == rendered


def test_messages_from_json() -> None:
    prompt = Prompt.from_json({"messages": [
        {"role": "tool", "name": "functions.f", "channel": "commentary", "recipient": "assistant",
         "content_type": "json", "content": "1"}]})
    assert prompt.messages == (Message("tool", "1", channel="commentary", recipient="assistant",
                                       content_type="json", name="functions.f"),)


@pytest.mark.parametrize(("obj", "field"), [
    ([], "the input must be a JSON object"),
    ({"sytem": True}, "unknown field 'sytem'"),
    ({"system": "yes"}, "system must be true or false"),
    ({"reasoning_effort": "max"}, "reasoning_effort must be one of low, medium, high"),
    ({"model_identity": 1}, "model_identity must be a string"),
    ({"current_date": "28/06/2025"}, "current_date must be a date as YYYY-MM-DD"),
    ({"current_date": "2025-13-01"}, "current_date must be a date as YYYY-MM-DD"),
    ({"required_channels": "final"}, "required_channels must be a list"),
    ({"required_channels": ["final", 2]}, "required_channels[1] must be a string"),
    ({"builtin_tools": ["shell"]}, "builtin_tools[0] must be one of browser, python"),
    ({"builtin_tools": ["python", "python"]}, "builtin_tools lists a tool twice"),
    ({"instructions": 5}, "instructions must be a string"),
    ({"tools": [{"description": "x"}]}, "tools[0].name is missing"),
    ({"tools": [{"name": ""}]}, "tools[0].name must not be empty"),
    ({"tools": [{"name": "f", "params": {}}]}, "unknown field 'tools[0].params'"),
    ({"tools": [{"name": "f", "parameters": []}]}, "tools[0].parameters must be a JSON object"),
    ({"messages": {}}, "messages must be a list"),
    ({"messages": ["hi"]}, "messages[0] must be a JSON object"),
    ({"messages": [{"role": "bot", "content": "x"}]}, "messages[0].role must be one of"),
    ({"messages": [{"role": "user"}]}, "messages[0].content is missing"),
    ({"messages": [{"role": "user", "content": None}]}, "messages[0].content must be a string"),
    ({"messages": [{"role": "tool", "content": "x"}]}, "messages[0].name is missing"),
    ({"messages": [{"role": "user", "content": "x", "chanel": "final"}]},
     "unknown field 'messages[0].chanel'"),
    ({"messages": [{"role": "user", "content": "\ud800"}]}, "messages[0].content is not valid"),
    ({"drop_previous_reasoning": 1}, "drop_previous_reasoning must be true or false"),
    ({"add_generation_prompt": None}, "add_generation_prompt must be true or false"),
    ({"response_formats": [{"name": "x"}]}, "response_formats[0].schema is missing"),
])
def test_invalid_input_names_the_field_in_one_line(obj: object, field: str) -> None:
    with pytest.raises(PromptError) as raised:
        Prompt.from_json(obj)
    message = str(raised.value)
    assert field in message
    assert "\n" not in message


def test_invalid_messages_cannot_be_built() -> None:
    with pytest.raises(PromptError, match="unknown role"):
        Message("bot", "x")  # type: ignore[arg-type]
    with pytest.raises(PromptError, match="tool's name"):
        Message("tool", "x")
