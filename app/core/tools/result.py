"""What one execution of the Python tool returns, and the text the model reads back.

The text reads like a notebook cell's output, in this order, parts joined by newlines:

    everything the cell printed (stdout and stderr interleaved as written, also from
        C extensions and subprocesses), cut to the output cap
    [output truncated: 1.2 MB, showing the first 64 KB]      when it was longer
    the traceback of an uncaught exception, or the value of a final expression
        (what a notebook shows as `Out`); each cut to the cap with the same note
    one status line when the cell did not end normally, e.g.
        Execution timed out after 30 s; the Python session was restarted, so earlier
        variables are gone.

A cell that produced none of these reads "(no output)", so the model can tell a silent
success from a lost reply.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from app.core.tools.kernel import truncation_note

NO_OUTPUT = "(no output)"
STATE_LOST = "the Python session was restarted, so earlier variables are gone."


@dataclass(frozen=True)
class ToolResult:
    """The outcome of `PythonSession.run`; `output` is the text for the model.

    timed_out, stopped and crashed all mean the process was ended and its variables lost
    (except a run stopped before it started, which never reached the process).
    """

    output: str
    timed_out: bool = False
    crashed: bool = False
    stopped: bool = False
    truncated: bool = False  # some part of the output was cut to the output cap
    error: bool = False  # the code raised; its traceback is in the output
    duration: float = 0.0  # seconds, including starting the process


def timeout_status(timeout: float) -> str:
    return f"Execution timed out after {timeout:g} s; {STATE_LOST}"


def stop_status() -> str:
    return f"Execution was stopped by the user; {STATE_LOST}"


def crash_status(exit_description: str) -> str:
    return f"The Python process crashed ({exit_description}); {STATE_LOST}"


def cell_text(printed: bytes, printed_total: int, cap: int, *, value: str | None = None,
              error: str | None = None, status: str | None = None) -> tuple[str, bool]:
    """The model's text for a cell, and whether the printed output was truncated.

    `printed` holds at most `cap` bytes of the `printed_total` the cell wrote; a character
    cut in half at the cap is left out rather than shown as garbage.
    """
    truncated = printed_total > cap
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = decoder.decode(printed[:cap], final=printed_total <= cap)
    parts = []
    if text:
        parts.append(text.removesuffix("\n"))
    if truncated:
        parts.append(truncation_note(printed_total, cap))
    for extra in (error, value, status):
        if extra:
            parts.append(extra.rstrip("\n"))
    output = "\n".join(parts) if parts else NO_OUTPUT
    # Lone surrogates (from odd exception messages) could not be stored or rendered.
    return output.encode("utf-8", "backslashreplace").decode("utf-8"), truncated
