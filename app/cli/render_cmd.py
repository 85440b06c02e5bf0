"""`oss-chat render`: print the exact harmony prompt of a conversation given as JSON on stdin.

For people debugging prompts, and for checking the renderer against the reference. Input and
output are UTF-8 bytes on every platform; the text form has no trailing newline, so the output
can be compared byte for byte. With `--tokens` (and the global `--model PATH`) it prints the
token ids the model would receive instead, text tokenized so that it can never form a marker.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import sys
from typing import Any

from app.cli import UsageError
from app.core.harmony.prompt import Prompt, PromptError
from app.core.harmony.render import render_text, render_tokens
from app.core.harmony.vocab import VocabularyError
from app.core.paths import AppPaths

log = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "render",
        help="print the exact harmony prompt for a conversation read as JSON on stdin",
        description="Read one JSON object (the conversation and its settings) on stdin and "
                    "print the exact gpt-oss prompt, without a trailing newline.",
    )
    parser.add_argument("--tokens", action="store_true",
                        help="print the token ids instead, on one line (needs --model PATH)")


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    prompt = _read_prompt(sys.stdin.buffer.read())
    if not args.tokens:
        _write(render_text(prompt).encode("utf-8"))
        return 0
    if args.model is None:
        raise UsageError("render --tokens needs the model: oss-chat --model PATH render --tokens")
    try:
        ids = _tokens(prompt, args.model)
    except (RuntimeError, ValueError, VocabularyError) as exc:
        print(f"oss-chat: cannot tokenize with {args.model}: {exc}", file=sys.stderr)
        return 1
    _write((" ".join(map(str, ids)) + "\n").encode("ascii"))
    return 0


def _read_prompt(data: bytes) -> Prompt:
    try:
        obj = json.loads(data.decode("utf-8-sig"), parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise UsageError(f"stdin is not UTF-8: {exc}") from None
    except ValueError as exc:
        raise UsageError(f"stdin is not valid JSON: {exc}") from None
    try:
        return Prompt.from_json(obj)
    except PromptError as exc:
        raise UsageError(f"invalid render input: {exc}") from None


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed in JSON")


def _tokens(prompt: Prompt, model: Any) -> list[int]:
    from app.core.engine.llama_vocab import open_vocabulary

    # llama-cpp-python prints some llama.cpp warnings to sys.stderr even when not verbose;
    # keep them out of the command's output and in the log.
    captured = io.StringIO()
    with contextlib.redirect_stderr(captured), open_vocabulary(model) as vocab:
        ids = render_tokens(prompt, vocab)
    if captured.getvalue():
        log.debug("llama.cpp: %s", captured.getvalue().strip())
    return ids


def _write(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
