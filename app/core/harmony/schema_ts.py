"""Tool definitions as gpt-oss was trained to read them: a TypeScript-like `namespace`.

A faithful port of the reference renderer (openai/harmony v0.0.8, `json_schema_to_typescript`
and `template_tools_section`), quirks included — the model saw exactly this text in training,
and the vector `test_render_functions_with_parameters` checks it character for character.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.core.harmony.prompt import FunctionTool


@dataclass(frozen=True)
class ToolNamespace:
    """A `## name` section of a `# Tools` block: built-in tools or the app's functions."""

    name: str
    description: str | None
    tools: tuple[FunctionTool, ...]


def tools_section(namespaces: Sequence[ToolNamespace]) -> str:
    """`# Tools`, then each namespace, separated by blank lines."""
    return "\n\n".join(["# Tools", *(render_namespace(ns) for ns in namespaces)])


def render_namespace(namespace: ToolNamespace) -> str:
    lines = [f"## {namespace.name}\n"]
    for line in _lines(namespace.description or ""):
        lines.append(f"// {line}" if namespace.tools else line)
    if namespace.tools:
        lines.append(f"namespace {namespace.name} {{\n")
        for tool in namespace.tools:
            lines.extend(f"// {line}" for line in _lines(tool.description))
            if tool.parameters is None:
                lines.append(f"type {tool.name} = () => any;\n")
            else:
                params = json_schema_to_typescript(tool.parameters, "")
                lines.append(f"type {tool.name} = (_: {params}) => any;\n")
        lines.append(f"}} // namespace {namespace.name}")
    return "\n".join(lines)


def json_schema_to_typescript(schema: object, indent: str = "") -> str:
    """The TypeScript-like type of a JSON schema, as the reference renders it."""
    if not isinstance(schema, Mapping):
        return "any"
    one_of = schema.get("oneOf")
    if isinstance(one_of, list):
        return _one_of(one_of, indent)
    kind = schema.get("type")
    if isinstance(kind, list):
        names = ["number" if item == "integer" else item for item in kind
                 if isinstance(item, str)]
        if names:
            return " | ".join(names)
    if not isinstance(kind, str):
        return "any"
    if kind == "object":
        return _object(schema, indent)
    if kind == "string":
        enum = schema.get("enum")
        if isinstance(enum, list):
            values = [f'"{value}"' for value in enum if isinstance(value, str)]
            if values:
                return " | ".join(values)
        return "string"
    if kind in ("number", "integer"):
        return "number"
    if kind == "boolean":
        return "boolean"
    if kind == "array":
        if "items" in schema:
            return f"{json_schema_to_typescript(schema['items'], indent)}[]"
        return "Array<any>"
    return "any"


def _one_of(variants: list[Any], indent: str) -> str:
    out = []
    for variant in variants:
        out.append(f"\n{indent} | ")
        out.append(_nullable(variant, json_schema_to_typescript(variant, indent + "   ")))
        comments = []
        description = _get(variant, "description")
        if isinstance(description, str):
            comments.append(description)
        if _has(variant, "default"):
            comments.append(_default_comment(variant, quote_enum=True))
        if comments:
            out.append(" // " + " ".join(comments))
    return "".join(out)


def _object(schema: Mapping[str, Any], indent: str) -> str:
    out = []
    description = schema.get("description")
    if isinstance(description, str):
        out.append(f"{indent}// {description}\n")
    out.append("{\n")
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        required_list = schema.get("required")
        required = ({item for item in required_list if isinstance(item, str)}
                    if isinstance(required_list, list) else set())
        for key, value in properties.items():
            optional = "" if key in required else "?"
            out.append(_property_comments(value, indent))
            one_of = _get(value, "oneOf")
            if isinstance(one_of, list):
                out.append(_one_of_property(key, optional, value, one_of, indent))
                continue
            type_text = _nullable(value, json_schema_to_typescript(value, indent + "    "))
            out.append(f"{indent}{key}{optional}: {type_text},")
            if not _has(value, "oneOf") and _has(value, "default"):
                out.append(f" // {_default_comment(value, quote_enum=False)}")
            out.append("\n")
    out.append(f"{indent}}}")
    return "".join(out)


def _property_comments(value: object, indent: str) -> str:
    out = []
    title = _get(value, "title")
    if isinstance(title, str):
        out.append(f"{indent}// {title}\n{indent}//\n")
    description = _get(value, "description")
    if not _has(value, "oneOf") and isinstance(description, str):
        out.append(f"{indent}// {description}\n")
    examples = _get(value, "examples")
    if isinstance(examples, list) and examples:
        out.append(f"{indent}// Examples:\n")
        out.extend(f'{indent}// - "{example}"\n' for example in examples
                   if isinstance(example, str))
    return "".join(out)


def _one_of_property(key: str, optional: str, value: Mapping[str, Any], variants: list[Any],
                     indent: str) -> str:
    out = []
    description = value.get("description")
    property_description = description if isinstance(description, str) else None
    first_description = _get(variants[0], "description") if variants else None
    described_above = False
    if property_description is not None and first_description != property_description:
        out.append(f"{indent}// {property_description}\n")
        described_above = True
    if "default" in value:
        out.append(f"{indent}// {_default_comment(value, quote_enum=False)}\n")
    out.append(f"{indent}{key}{optional}:\n")
    for index, variant in enumerate(variants):
        out.append(f"{indent} | ")
        out.append(_nullable(variant, json_schema_to_typescript(variant, indent + "   ")))
        comments = []
        variant_description = _get(variant, "description")
        if (not (index == 0 and described_above) and isinstance(variant_description, str)
                and variant_description != property_description):
            comments.append(variant_description)
        if _has(variant, "default"):
            comments.append(_default_comment(variant, quote_enum=False))
        if comments:
            out.append(" // " + " ".join(comments))
        out.append("\n")
    out.append(f"{indent},\n")
    return "".join(out)


def _default_comment(schema: Mapping[str, Any], *, quote_enum: bool) -> str:
    """`default: …`: strings quoted raw, except enum members, which are bare (or JSON-quoted
    inside a top-level oneOf, as the reference does)."""
    default = schema["default"]
    if isinstance(default, str):
        if not _is_enum(schema):
            return f'default: "{default}"'
        if not quote_enum:
            return f"default: {default}"
    return f"default: {_json(default)}"


def _nullable(schema: object, type_text: str) -> str:
    if _get(schema, "nullable") is True and "null" not in type_text:
        return f"{type_text} | null"
    return type_text


def _is_enum(schema: Mapping[str, Any]) -> bool:
    enum = schema.get("enum")
    return isinstance(enum, list) and bool(enum)


def _get(schema: object, key: str) -> Any:
    return schema.get(key) if isinstance(schema, Mapping) else None


def _has(schema: object, key: str) -> bool:
    return isinstance(schema, Mapping) and key in schema


def _json(value: object) -> str:
    """serde_json's compact Display, which the reference uses for non-string defaults."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _lines(text: str) -> list[str]:
    """Rust's `str::lines`: split on \\n, drop one trailing empty line and each line's final \\r."""
    if not text:
        return []
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]
