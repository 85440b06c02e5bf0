"""`oss-chat --model PATH ask [options] PROMPT`: one answer on the terminal, no window."""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from typing import Any

from app.cli import UsageError
from app.core.paths import AppPaths

EFFORTS = ("low", "medium", "high")


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "ask", help="answer one prompt on the terminal",
        description="Answer PROMPT with the model given by the global --model option. The answer "
                    "goes to stdout as it is written; errors to stderr with a non-zero status.")
    parser.add_argument("prompt", metavar="PROMPT", help="the message to the model")
    parser.add_argument("--effort", choices=EFFORTS, default="medium",
                        help="reasoning effort (default: medium)")
    parser.add_argument("--max-tokens", type=int, metavar="N",
                        help="stop after N generated tokens (default: no limit)")
    parser.add_argument("--ctx", type=int, metavar="N", default=16384,
                        help="context length in tokens (default: 16384)")
    parser.add_argument("--instructions", metavar="TEXT", help="developer instructions")
    parser.add_argument("--seed", type=int, metavar="N", help="sampling seed")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object with answer, reasoning and stats")
    parser.add_argument("--show-reasoning", action="store_true",
                        help="stream the model's reasoning to stderr")


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    from app.core.engine.config import EngineConfig, SamplingConfig
    from app.core.engine.engine import Engine
    from app.core.harmony.events import AnswerDelta, Event, ReasoningDelta
    from app.core.harmony.prompt import Message, Prompt
    from app.core.modelfiles.gguf_info import ModelFileError

    if args.model is None:
        raise UsageError("ask needs a model: oss-chat --model PATH ask PROMPT")
    if args.max_tokens is not None and args.max_tokens < 1:
        raise UsageError("--max-tokens must be at least 1")
    if args.ctx < 256:
        raise UsageError("--ctx must be at least 256")

    def on_event(event: Event) -> None:
        if isinstance(event, AnswerDelta) and not args.json:
            sys.stdout.write(event.text)
            sys.stdout.flush()
        elif isinstance(event, ReasoningDelta) and args.show_reasoning:
            sys.stderr.write(event.text)
            sys.stderr.flush()

    engine = Engine()
    try:
        engine.load(args.model, EngineConfig(n_ctx=args.ctx))
        prompt = Prompt(reasoning_effort=args.effort, instructions=args.instructions,
                        current_date=datetime.date.today().isoformat(),
                        messages=(Message(role="user", content=args.prompt),))
        result = engine.generate(prompt, SamplingConfig(max_tokens=args.max_tokens,
                                                        seed=args.seed), on_event=on_event)
    except ModelFileError as exc:
        print(f"oss-chat: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        print(f"oss-chat: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.unload()
    if args.json:
        stats = result.stats.to_dict()
        keys = ("prompt_tokens", "reused_tokens", "prompt_tok_s", "ttft_s", "decode_tok_s",
                "generated_tokens", "stop_reason", "backend")
        json.dump({"answer": result.answer, "reasoning": result.reasoning,
                   "stats": {k: stats[k] for k in keys}}, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    elif result.answer and not result.answer.endswith("\n"):
        sys.stdout.write("\n")
    return 0
