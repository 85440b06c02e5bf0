"""JSON schema -> the TypeScript-like text of tool definitions (reference: the kitchensink
vector, checked in test_render_vectors)."""

from __future__ import annotations

import pytest

from app.core.harmony.prompt import FunctionTool
from app.core.harmony.schema_ts import ToolNamespace, json_schema_to_typescript, render_namespace


@pytest.mark.parametrize(("schema", "typescript"), [
    ({"type": "string"}, "string"),
    ({"type": "integer"}, "number"),
    ({"type": "number"}, "number"),
    ({"type": "boolean"}, "boolean"),
    ({"type": "null"}, "any"),
    ({}, "any"),
    (True, "any"),
    ({"type": "string", "enum": ["a", "b"]}, '"a" | "b"'),
    ({"type": "array", "items": {"type": "integer"}}, "number[]"),
    ({"type": "array"}, "Array<any>"),
    ({"type": ["integer", "string", 3]}, "number | string"),
    ({"oneOf": [{"type": "string"}, {"type": "number", "default": 1}]},
     "\n | string\n | number // default: 1"),
    ({"oneOf": [{"type": "string", "enum": ["x"], "default": "x"}]},
     '\n | "x" // default: "x"'),
])
def test_types(schema: object, typescript: str) -> None:
    assert json_schema_to_typescript(schema) == typescript


def test_object_properties_required_descriptions_and_defaults() -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "The city."},
            "days": {"type": "integer", "default": 3},
            "units": {"type": "string", "enum": ["metric", "imperial"], "default": "metric"},
            "label": {"type": "string", "default": "none"},
            "note": {"type": "string", "nullable": True},
            "flags": {"type": "object", "default": {"a": [1, True]}},
        },
        "required": ["city"],
    }
    assert json_schema_to_typescript(schema) == (
        "{\n"
        "// The city.\n"
        "city: string,\n"
        "days?: number, // default: 3\n"
        'units?: "metric" | "imperial", // default: metric\n'
        'label?: string, // default: "none"\n'
        "note?: string | null,\n"
        'flags?: {\n    }, // default: {"a":[1,true]}\n'
        "}"
    )


def test_nested_objects_are_indented_as_the_reference_does() -> None:
    """Quirks kept on purpose: the description appears twice, the closing brace is indented."""
    schema = {"type": "object", "properties": {
        "where": {"type": "object", "description": "Place.", "properties": {
            "lat": {"type": "number"}}, "required": ["lat"]}}}
    assert json_schema_to_typescript(schema) == (
        "{\n// Place.\nwhere?:     // Place.\n{\n    lat: number,\n    },\n}")


def test_one_of_property_with_the_same_description_as_its_first_variant() -> None:
    schema = {"type": "object", "properties": {"v": {
        "description": "A value", "oneOf": [{"type": "string", "description": "A value"},
                                            {"type": "number", "description": "Or a number"}]}}}
    assert json_schema_to_typescript(schema) == (
        "{\nv?:\n | string\n | number // Or a number\n,\n}")


def test_namespace_without_tools_shows_its_description_as_text() -> None:
    namespace = ToolNamespace("python", "Runs code.\n\nStateful.", ())
    assert render_namespace(namespace) == "## python\n\nRuns code.\n\nStateful."


def test_namespace_with_tools() -> None:
    namespace = ToolNamespace("functions", None, (
        FunctionTool("now", "Current time.\nIn UTC.\n"),
        FunctionTool("echo", "", {"type": "object", "properties": {"text": {"type": "string"}},
                                  "required": ["text"]}),
    ))
    assert render_namespace(namespace) == (
        "## functions\n\nnamespace functions {\n\n"
        "// Current time.\n// In UTC.\ntype now = () => any;\n\n"
        "type echo = (_: {\ntext: string,\n}) => any;\n\n"
        "} // namespace functions")
