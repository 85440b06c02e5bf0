"""A conversation as harmony renders it: the settings of the system and developer messages,
the messages, and the rules applied while rendering.

`Prompt` has exactly the fields of the `oss-chat render` input, with the same names and
defaults, so the command, the tests and the app describe prompts alike. The input is one JSON
object; every field is optional:

    system                   true | false: false renders no system message      (true)
    reasoning_effort         "low" | "medium" | "high"                          ("medium")
    model_identity           str; "" leaves the line out       (DEFAULT_MODEL_IDENTITY)
    knowledge_cutoff         str; "" leaves the line out                       ("2024-06")
    current_date             "YYYY-MM-DD" | null: null leaves the line out       (null)
    required_channels        [str]                  (["analysis", "commentary", "final"])
    builtin_tools            ["browser" | "python"]                                  ([])
    instructions             str | null: the developer message's "# Instructions"  (null)
    tools                    [{"name", "description", "parameters": JSON schema}]    ([])
    messages                 [{"role", "content", "name", "channel", "recipient",
                               "content_type"}]; a "tool" message needs "name"       ([])
    drop_previous_reasoning  true | false (see render.py)                          (true)
    add_generation_prompt    true | false: end with <|start|>assistant             (true)
    response_formats         [{"name", "description", "schema": JSON schema}]: structured
                             output, at the end of the developer message            ([])

`response_formats` goes beyond the reference test data: harmony's format guide describes it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast, get_args

ReasoningEffort = Literal["low", "medium", "high"]
Role = Literal["system", "developer", "user", "assistant", "tool"]
BuiltinTool = Literal["browser", "python"]

EFFORTS: tuple[ReasoningEffort, ...] = get_args(ReasoningEffort)
ROLES: tuple[Role, ...] = get_args(Role)
BUILTIN_TOOLS: tuple[BuiltinTool, ...] = get_args(BuiltinTool)
CHANNELS: tuple[str, ...] = ("analysis", "commentary", "final")

DEFAULT_MODEL_IDENTITY = "You are ChatGPT, a large language model trained by OpenAI."
DEFAULT_KNOWLEDGE_CUTOFF = "2024-06"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class PromptError(ValueError):
    """Invalid prompt input; the message is one line naming the bad field."""


@dataclass(frozen=True)
class Message:
    """One harmony message. A tool's reply has role "tool" and the tool's name as `name`."""

    role: Role
    content: str
    channel: str | None = None
    recipient: str | None = None
    content_type: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise PromptError(f"unknown role {self.role!r}")
        if self.role == "tool" and not self.name:
            raise PromptError("a tool message needs the tool's name")


@dataclass(frozen=True)
class FunctionTool:
    """A function the model may call, described by a JSON schema of its parameters."""

    name: str
    description: str = ""
    parameters: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ResponseFormat:
    """A structured-output format, announced in the developer message."""

    name: str
    schema: Mapping[str, Any]
    description: str = ""


@dataclass(frozen=True)
class Prompt:
    """Everything a harmony prompt is rendered from."""

    system: bool = True
    reasoning_effort: ReasoningEffort = "medium"
    model_identity: str = DEFAULT_MODEL_IDENTITY
    knowledge_cutoff: str = DEFAULT_KNOWLEDGE_CUTOFF
    current_date: str | None = None
    required_channels: tuple[str, ...] = CHANNELS
    builtin_tools: tuple[BuiltinTool, ...] = ()
    instructions: str | None = None
    tools: tuple[FunctionTool, ...] = ()
    messages: tuple[Message, ...] = ()
    drop_previous_reasoning: bool = True
    add_generation_prompt: bool = True
    response_formats: tuple[ResponseFormat, ...] = ()

    @classmethod
    def from_json(cls, obj: object) -> Prompt:
        """Build a prompt from the decoded JSON of the render input; raises `PromptError`."""
        data = _object(obj, "the input")
        _no_unknown_keys(data, _PROMPT_KEYS, "")
        defaults = cls()
        date = _optional(data, "current_date", _text)
        if date is not None:
            _check_date(date)
        return cls(
            system=_get(data, "system", _bool, defaults.system),
            reasoning_effort=_get(data, "reasoning_effort", _effort, defaults.reasoning_effort),
            model_identity=_get(data, "model_identity", _text, defaults.model_identity),
            knowledge_cutoff=_get(data, "knowledge_cutoff", _text, defaults.knowledge_cutoff),
            current_date=date,
            required_channels=tuple(_get(data, "required_channels", _list_of(_text),
                                         list(defaults.required_channels))),
            builtin_tools=_builtin_tools(data),
            instructions=_optional(data, "instructions", _text),
            tools=tuple(_get(data, "tools", _list_of(_tool), [])),
            messages=tuple(_get(data, "messages", _list_of(_message), [])),
            drop_previous_reasoning=_get(data, "drop_previous_reasoning", _bool,
                                         defaults.drop_previous_reasoning),
            add_generation_prompt=_get(data, "add_generation_prompt", _bool,
                                       defaults.add_generation_prompt),
            response_formats=tuple(_get(data, "response_formats", _list_of(_response_format),
                                        [])),
        )


_PROMPT_KEYS = frozenset({
    "system", "reasoning_effort", "model_identity", "knowledge_cutoff", "current_date",
    "required_channels", "builtin_tools", "instructions", "tools", "messages",
    "drop_previous_reasoning", "add_generation_prompt", "response_formats",
})
_MESSAGE_KEYS = frozenset({"role", "name", "channel", "recipient", "content_type", "content"})
_TOOL_KEYS = frozenset({"name", "description", "parameters"})
_FORMAT_KEYS = frozenset({"name", "description", "schema"})

T = TypeVar("T")
Check = Callable[[object, str], T]


def _get(data: Mapping[str, object], key: str, check: Check[T], default: T) -> T:
    if key not in data:
        return default
    return check(data[key], key)


def _optional(data: Mapping[str, object], key: str, check: Check[T]) -> T | None:
    value = data.get(key)
    return None if value is None else check(value, key)


def _object(value: object, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise PromptError(f"{where} must be a JSON object, not {_kind(value)}")
    return cast(dict[str, object], value)


def _no_unknown_keys(data: Mapping[str, object], known: frozenset[str], where: str) -> None:
    for key in data:
        if key not in known:
            raise PromptError(f"unknown field '{where}{key}'; known fields: "
                              + ", ".join(sorted(known)))


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise PromptError(f"{where} must be true or false, not {_kind(value)}")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise PromptError(f"{where} must be a string, not {_kind(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PromptError(f"{where} is not valid Unicode text (a lone surrogate?)") from None
    return value


def _effort(value: object, where: str) -> ReasoningEffort:
    if value not in EFFORTS:
        raise PromptError(f"{where} must be one of {', '.join(EFFORTS)}, not {value!r}")
    return value


def _check_date(value: str) -> None:
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        datetime.date.fromisoformat(value)
    except ValueError:
        raise PromptError(f"current_date must be a date as YYYY-MM-DD, not {value!r}") from None


def _list_of(check: Check[T]) -> Check[list[T]]:
    def check_list(value: object, where: str) -> list[T]:
        if not isinstance(value, list):
            raise PromptError(f"{where} must be a list, not {_kind(value)}")
        return [check(item, f"{where}[{index}]") for index, item in enumerate(value)]

    return check_list


def _builtin_tools(data: Mapping[str, object]) -> tuple[BuiltinTool, ...]:
    names: list[str] = _get(data, "builtin_tools", _list_of(_text), [])
    for index, name in enumerate(names):
        if name not in BUILTIN_TOOLS:
            raise PromptError(f"builtin_tools[{index}] must be one of "
                              f"{', '.join(BUILTIN_TOOLS)}, not {name!r}")
    if len(set(names)) != len(names):
        raise PromptError("builtin_tools lists a tool twice")
    return tuple(cast(list[BuiltinTool], names))


def _schema(value: object, where: str) -> dict[str, Any]:
    return _object(value, where)


def _tool(value: object, where: str) -> FunctionTool:
    data = _object(value, where)
    _no_unknown_keys(data, _TOOL_KEYS, f"{where}.")
    name = _required_text(data, "name", where)
    return FunctionTool(
        name=name,
        description=_get(data, "description", _text_at(where), ""),
        parameters=_optional(data, "parameters", _at(where, _schema)),
    )


def _response_format(value: object, where: str) -> ResponseFormat:
    data = _object(value, where)
    _no_unknown_keys(data, _FORMAT_KEYS, f"{where}.")
    if "schema" not in data:
        raise PromptError(f"{where}.schema is missing")
    return ResponseFormat(
        name=_required_text(data, "name", where),
        schema=_schema(data["schema"], f"{where}.schema"),
        description=_get(data, "description", _text_at(where), ""),
    )


def _message(value: object, where: str) -> Message:
    data = _object(value, where)
    _no_unknown_keys(data, _MESSAGE_KEYS, f"{where}.")
    role = data.get("role")
    if role not in ROLES:
        raise PromptError(f"{where}.role must be one of {', '.join(ROLES)}, not {role!r}")
    if "content" not in data:
        raise PromptError(f"{where}.content is missing")
    name = _optional(data, "name", _text_at(where))
    if role == "tool" and not name:
        raise PromptError(f"{where}.name is missing: a tool message needs the tool's name")
    return Message(
        role=role,
        content=_text(data["content"], f"{where}.content"),
        channel=_optional(data, "channel", _text_at(where)),
        recipient=_optional(data, "recipient", _text_at(where)),
        content_type=_optional(data, "content_type", _text_at(where)),
        name=name,
    )


def _required_text(data: Mapping[str, object], key: str, where: str) -> str:
    if key not in data:
        raise PromptError(f"{where}.{key} is missing")
    value = _text(data[key], f"{where}.{key}")
    if not value:
        raise PromptError(f"{where}.{key} must not be empty")
    return value


def _at(where: str, check: Check[T]) -> Check[T]:
    """A check that names the field with its parent's path, e.g. `tools[0].parameters`."""
    return lambda value, key: check(value, f"{where}.{key}")


def _text_at(where: str) -> Check[str]:
    return _at(where, _text)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
