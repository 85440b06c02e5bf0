"""Tools the model calls: the stateful Python tool. Start at `PythonTools`."""

from app.core.tools.python_tool import (
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_OUTPUT_CAP,
    DEFAULT_TIMEOUT,
    PythonSession,
)
from app.core.tools.registry import PythonTools
from app.core.tools.result import ToolResult

__all__ = ["DEFAULT_MEMORY_LIMIT", "DEFAULT_OUTPUT_CAP", "DEFAULT_TIMEOUT", "PythonSession",
           "PythonTools", "ToolResult"]
