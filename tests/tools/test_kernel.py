"""The kernel's pieces in this process: cells, display, and the result text."""

from __future__ import annotations

import pytest

from app.core.tools.kernel import CellOutput, cap_text, format_size, run_cell, truncation_note
from app.core.tools.result import NO_OUTPUT, cell_text


@pytest.mark.parametrize(("size", "text"), [(0, "0 bytes"), (1023, "1023 bytes"),
                                            (1024, "1 KB"), (65536, "64 KB"),
                                            (1536, "1.5 KB"), (1258291, "1.2 MB"),
                                            (5 * 1024**3, "5 GB")])
def test_sizes_read_like_the_truncation_note(size: int, text: str) -> None:
    assert format_size(size) == text


def test_a_final_expression_is_shown_and_kept_in_underscore() -> None:
    namespace: dict[str, object] = {}
    assert run_cell("x = 41\nx + 1", "<cell-1>", namespace) == ("42", None)
    assert namespace["_"] == 42
    assert run_cell("'text'", "<cell-2>", namespace) == ("'text'", None)
    assert run_cell("x = 1", "<cell-3>", namespace) == (None, None)
    assert run_cell("print", "<cell-4>", namespace)[0] == "<built-in function print>"
    assert run_cell("None", "<cell-5>", namespace) == (None, None)


def test_a_traceback_shows_the_cells_line_and_not_the_kernel() -> None:
    value, error = run_cell("a = 1\nraise KeyError('missing')", "<cell-7>", {})
    assert value is None and error is not None
    assert 'File "<cell-7>", line 2, in <module>' in error
    assert "raise KeyError('missing')" in error
    assert error.rstrip().endswith("KeyError: 'missing'")
    assert "kernel.py" not in error


def test_a_syntax_error_is_reported_without_running_anything() -> None:
    namespace: dict[str, object] = {}
    value, error = run_cell("x = 1\ndef f(:", "<cell-1>", namespace)
    assert value is None and error is not None and "SyntaxError" in error
    assert "x" not in namespace


def test_cap_text_keeps_short_text_and_notes_a_cut() -> None:
    assert cap_text("short", 10) == "short"
    assert cap_text("y" * 20, 10) == "y" * 10 + "\n" + truncation_note(20, 10)


def test_cell_text_parts_in_notebook_order() -> None:
    text, truncated = cell_text(b"printed\n", 8, 100, value="42")
    assert (text, truncated) == ("printed\n42", False)
    text, _ = cell_text(b"", 0, 100, error="Traceback...\nValueError\n", status="Stopped.")
    assert text == "Traceback...\nValueError\nStopped."
    assert cell_text(b"", 0, 100) == (NO_OUTPUT, False)


def test_cell_text_cuts_at_the_cap_without_half_characters() -> None:
    printed = "é".encode() * 10  # two bytes each
    text, truncated = cell_text(printed[:5], len(printed), 5)
    assert truncated
    assert text == "éé\n" + truncation_note(20, 5)


def test_cell_output_writes_through_up_to_its_budget_and_counts_the_rest(tmp_path) -> None:
    with open(tmp_path / "out", "w+b") as sink:
        output = CellOutput(sink.fileno(), 100)
        for _ in range(1000):
            print("0123456789", file=output)
        sink.seek(0)
        assert sink.read() == ("0123456789\n" * 10)[:100].encode()
        assert output.dropped == 11 * 1000 - 100
