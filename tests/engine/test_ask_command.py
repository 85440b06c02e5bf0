"""`oss-chat ask` on a terminal, as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _ask(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          check=False)


def test_ask_prints_the_answer(data_dir: Path, reply_model) -> None:
    result = _ask(data_dir, "--model", str(reply_model.path), "ask", "--ctx", "1024", "2+2?")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "2 + 2 = 4\n"
    assert "User asks" not in result.stderr


def test_ask_shows_reasoning_on_stderr(data_dir: Path, reply_model) -> None:
    result = _ask(data_dir, "--model", str(reply_model.path), "ask", "--ctx", "1024",
                  "--show-reasoning", "2+2?")
    assert result.returncode == 0
    assert "User asks a sum. Simple." in result.stderr
    assert result.stdout == "2 + 2 = 4\n"


def test_ask_json(data_dir: Path, reply_model) -> None:
    result = _ask(data_dir, "--model", str(reply_model.path), "ask", "--ctx", "1024",
                  "--effort", "high", "--json", "2+2?")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["answer"] == "2 + 2 = 4"
    assert doc["reasoning"] == "User asks a sum. Simple."
    assert set(doc["stats"]) == {"prompt_tokens", "reused_tokens", "prompt_tok_s", "ttft_s",
                                 "decode_tok_s", "generated_tokens", "stop_reason", "backend"}
    assert doc["stats"]["stop_reason"] == "return"
    assert doc["stats"]["backend"] == "CPU"


def test_ask_max_tokens_stops_with_length(data_dir: Path, endless_model) -> None:
    result = _ask(data_dir, "--model", str(endless_model.path), "ask", "--ctx", "1024",
                  "--max-tokens", "8", "--json", "go")
    doc = json.loads(result.stdout)
    assert doc["stats"]["stop_reason"] == "length"
    assert doc["stats"]["generated_tokens"] == 8


def test_ask_errors_are_one_line_with_nonzero_status(data_dir: Path, tmp_path: Path) -> None:
    no_model = _ask(data_dir, "ask", "hello")
    assert no_model.returncode == 2
    assert no_model.stderr.strip().splitlines() == [
        "oss-chat: ask needs a model: oss-chat --model PATH ask PROMPT"]
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"nope")
    wrong = _ask(data_dir, "--model", str(bad), "ask", "hello")
    assert wrong.returncode == 1
    assert wrong.stderr.strip().splitlines() == ["oss-chat: bad.gguf is not a GGUF model file."]
