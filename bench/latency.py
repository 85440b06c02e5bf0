"""Time to first token over a growing conversation and with a long pasted document, and how
fast Stop takes effect while decoding and while reading a long prompt.

TTFT is the engine's own figure (request to first sampled token: rendering, prefix reuse,
evaluating what is new, sampling). The conversation is built as the app builds it: each turn
re-renders the history, the previous answer (not its reasoning) and the new question, so prefix
reuse leaves only those to evaluate. Answers in the history are fixed text of a realistic
length rather than the random model's output, so every turn evaluates the same amount.

Stop latency is measured from `cancel.set()` on another thread, at a random moment, to
`Engine.generate` returning on the thread that owns the engine.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    DISTURBED,
    RETRIES,
    OthersMeter,
    SectionResult,
    Spread,
    Target,
    conditions,
    selected,
    wait_for_quiet,
)
from bench.engine_speed import N_BATCH, words

TURN_RATIO_TARGET = Target(1.3)
STOP_DECODE_TARGET = Target(250.0)
STOP_PROMPT_TARGET = Target(1000.0)
TURNS = 10


@dataclass(frozen=True)
class LatencyPlan:
    repeats: int  # conversations of TURNS turns
    user_tokens: int
    answer_tokens: int
    gen_tokens: int
    document_tokens: int
    stop_runs: int
    stop_prompt_tokens: int

    @classmethod
    def for_args(cls, args: argparse.Namespace) -> LatencyPlan:
        if args.quick:
            return cls(repeats=1, user_tokens=40, answer_tokens=120, gen_tokens=4,
                       document_tokens=1000, stop_runs=args.runs or 3, stop_prompt_tokens=1000)
        return cls(repeats=2, user_tokens=40, answer_tokens=120, gen_tokens=8,
                   document_tokens=4000, stop_runs=args.runs or 5, stop_prompt_tokens=4000)


def run(args: argparse.Namespace, model: Path, result: SectionResult) -> None:
    from app.core.engine.config import EngineConfig
    from app.core.engine.engine import Engine

    plan = LatencyPlan.for_args(args)
    engine = Engine()
    info = engine.load(model, EngineConfig(n_ctx=8192, n_threads=args.threads or None,
                                           n_batch=N_BATCH))
    result.note(f"model {model.name}, {info.backend}, {info.n_threads} threads, context "
                f"{info.n_ctx}")
    _warm_up(engine)
    if selected(args, "ttft"):
        wait_for_quiet(args.quiet_limit, args.quiet_wait)
        conversation_ttft(engine, plan, result)
        wait_for_quiet(args.quiet_limit, args.quiet_wait)
        document_ttft(engine, plan, result)
    if selected(args, "stop"):
        wait_for_quiet(args.quiet_limit, args.quiet_wait)
        stop_latency(engine, plan, result)
    engine.unload()


def _warm_up(engine) -> None:  # type: ignore[no-untyped-def]
    """First use pays one-off costs (mapped weights, the vocabulary's special tokens)."""
    from app.core.engine.config import SamplingConfig
    from app.core.harmony.prompt import Message, Prompt

    started = time.perf_counter()
    stats = engine.generate(Prompt(model_identity="warm-up", messages=(Message("user", "Hi"),)),
                            SamplingConfig(max_tokens=2, seed=0)).stats
    print(f"  first turn after loading: TTFT {stats.ttft_s:.2f} s "
          f"({time.perf_counter() - started:.2f} s in all)", flush=True)


def _user_text(rng: random.Random, tokens: int, turn: int) -> str:
    return f"Question {turn}: " + words(rng, tokens)[: max(1, tokens - 12)]


def conversation_ttft(engine, plan: LatencyPlan, result: SectionResult) -> None:  # type: ignore[no-untyped-def]
    per_turn: list[list[float]] = [[] for _ in range(TURNS)]
    evaluated: list[list[int]] = [[] for _ in range(TURNS)]
    decode: list[list[float]] = [[] for _ in range(TURNS)]
    disturbance: list[float] = []
    for repeat in range(plan.repeats):
        for attempt in range(RETRIES):
            conditions(f"conversation {repeat + 1}/{plan.repeats}")
            with OthersMeter() as others:
                turns = _conversation(engine, plan, f"{repeat}.{attempt}")
            print(f"    others used {others.cores:.2f} cores", flush=True)
            if others.cores < DISTURBED:
                break
            print("    (disturbed by other processes: this conversation again)", flush=True)
        disturbance.append(others.cores)
        for turn, stats in enumerate(turns):
            per_turn[turn].append(stats.ttft_s)
            evaluated[turn].append(stats.evaluated_tokens)
            decode[turn].append(stats.decode_tok_s)
    medians = [Spread.of(values).median for values in per_turn]
    result.series["ttft_per_turn_s"] = medians
    result.series["evaluated_per_turn"] = [Spread.of(v).median for v in evaluated]
    result.series["decode_per_turn_tok_s"] = [Spread.of(v).median for v in decode]
    runs = (f"median of {plan.repeats} conversation(s); others used up to "
            f"{max(disturbance):.2f} cores")
    result.add("TTFT turn 1 (whole prompt)", medians[0] * 1000, "ms",
               detail=f"{runs}; {result.series['evaluated_per_turn'][0]:.0f} tokens evaluated")
    result.add("TTFT turn 2", medians[1] * 1000, "ms",
               detail=f"{result.series['evaluated_per_turn'][1]:.0f} tokens evaluated")
    result.add("TTFT turn 10", medians[9] * 1000, "ms",
               detail=f"{result.series['evaluated_per_turn'][9]:.0f} tokens evaluated")
    result.add("TTFT turn 10 / turn 2", medians[9] / medians[1], "×", TURN_RATIO_TARGET,
               detail=f"{plan.user_tokens}-token questions, {plan.answer_tokens}-token answers",
               disturbed=max(disturbance) >= DISTURBED)


def _conversation(engine, plan: LatencyPlan, key: str) -> list:  # type: ignore[no-untyped-def, type-arg]
    """TURNS turns of one conversation; the GenerationStats of each."""
    from app.core.engine.config import SamplingConfig
    from app.core.harmony.prompt import DEFAULT_MODEL_IDENTITY, Message, Prompt

    rng = random.Random(key)
    # A new identity line per conversation, so that turn 1 always reads the whole prompt.
    identity = f"Conversation {key}. {DEFAULT_MODEL_IDENTITY}"
    history: list[Message] = []
    turns = []
    for turn in range(TURNS):
        history.append(Message("user", _user_text(rng, plan.user_tokens, turn + 1)))
        prompt = Prompt(model_identity=identity, current_date="2026-01-15",
                        messages=tuple(history))
        stats = engine.generate(prompt, SamplingConfig(max_tokens=plan.gen_tokens, seed=turn),
                                conversation_key=key).stats
        turns.append(stats)
        print(f"    turn {turn + 1:2}: TTFT {stats.ttft_s * 1000:7.0f} ms, "
              f"{stats.evaluated_tokens:4} of {stats.prompt_tokens} prompt tokens "
              f"evaluated, decode {stats.decode_tok_s:.2f} tok/s", flush=True)
        # The reply as the app stores and re-renders it: its answer, without reasoning.
        history.append(Message("assistant", words(rng, plan.answer_tokens)[
            :plan.answer_tokens], channel="final"))
    return turns


def document_ttft(engine, plan: LatencyPlan, result: SectionResult) -> None:  # type: ignore[no-untyped-def]
    from app.core.engine.config import SamplingConfig
    from app.core.harmony.prompt import Message, Prompt

    conditions("long document")
    rng = random.Random(99)
    document = words(rng, plan.document_tokens)[:plan.document_tokens]
    pasted = Message("user", "Summarise this document:\n\n" + document)
    prompt = Prompt(model_identity=f"Document {random.random()}", messages=(pasted,))
    with OthersMeter() as others:
        stats = engine.generate(prompt, SamplingConfig(max_tokens=plan.gen_tokens, seed=1),
                                conversation_key="doc").stats
    result.add(f"TTFT pasting a {stats.evaluated_tokens:,}-token document", stats.ttft_s, "s",
               detail=f"prompt read at {stats.prompt_tok_s:.1f} tok/s; others used "
                      f"{others.cores:.2f} cores")
    follow = Prompt(model_identity=prompt.model_identity, messages=(
        pasted, Message("assistant", words(rng, plan.answer_tokens)[:plan.answer_tokens],
                        channel="final"),
        Message("user", "And the second point?")))
    again = engine.generate(follow, SamplingConfig(max_tokens=plan.gen_tokens, seed=2),
                            conversation_key="doc").stats
    result.add("TTFT of the next question (document reused)", again.ttft_s * 1000, "ms",
               detail=f"{again.reused_tokens:,} tokens reused, {again.evaluated_tokens} "
                      "evaluated")


def _stop_once(engine, prompt, delay: float, *, during_prompt: bool  # type: ignore[no-untyped-def]
               ) -> tuple[float, int, str]:
    """(stop latency in ms, tokens generated, stop reason) of one stopped generation."""
    from app.core.engine.config import SamplingConfig

    cancel = threading.Event()
    prompt_read = threading.Event()
    returned: list[float] = []
    outcome: list[object] = []

    def on_progress(done: int, total: int) -> None:
        if done == total:
            prompt_read.set()

    def owner() -> None:
        try:
            outcome.append(engine.generate(prompt, SamplingConfig(seed=3), cancel=cancel,
                                           on_prompt_progress=on_progress))
        finally:
            returned.append(time.perf_counter())

    thread = threading.Thread(target=owner, name="engine-owner")
    thread.start()
    if not during_prompt:
        prompt_read.wait()
    time.sleep(delay)
    if during_prompt and prompt_read.is_set():
        print("    (the prompt was read before the stop: make the stop earlier)")
    cancel.set()
    stopped_at = time.perf_counter()
    thread.join()
    if not outcome:
        raise RuntimeError("the generation failed before it could be stopped (see above)")
    stats = outcome[0].stats  # type: ignore[attr-defined]
    return (returned[0] - stopped_at) * 1000, stats.generated_tokens, stats.stop_reason


def stop_latency(engine, plan: LatencyPlan, result: SectionResult) -> None:  # type: ignore[no-untyped-def]
    from app.core.engine.config import SamplingConfig
    from app.core.harmony.prompt import Message, Prompt

    rng = random.Random(7)
    decoding: list[float] = []
    reading: list[float] = []
    conditions("stop latency")
    # How long the long prompt takes, so that every stop lands while it is being read.
    calibration = Prompt(model_identity=f"Calibration {rng.random()}",
                         messages=(Message("user", words(rng, 300)[:300]),))
    rate = engine.generate(calibration, SamplingConfig(max_tokens=1)).stats.prompt_tok_s
    reading_time = plan.stop_prompt_tokens / rate
    for run_ in range(plan.stop_runs):
        prompt = Prompt(model_identity=f"Stop {run_}", messages=(Message("user", "Go on."),))
        ms, generated, reason = _stop_once(engine, prompt, rng.uniform(0.3, 1.5),
                                           during_prompt=False)
        decoding.append(ms)
        print(f"    while decoding: {ms:6.1f} ms ({generated} tokens, {reason})", flush=True)
        document = words(rng, plan.stop_prompt_tokens)[:plan.stop_prompt_tokens]
        prompt = Prompt(model_identity=f"Stop document {run_} {rng.random()}",
                        messages=(Message("user", document),))
        ms, generated, reason = _stop_once(engine, prompt,
                                           rng.uniform(0.05, 0.3) * reading_time,
                                           during_prompt=True)
        reading.append(ms)
        print(f"    while reading a {plan.stop_prompt_tokens}-token prompt: {ms:6.1f} ms "
              f"({generated} tokens, {reason})", flush=True)
    d, r = Spread.of(decoding), Spread.of(reading)
    result.series["stop_decode_ms"] = decoding
    result.series["stop_prompt_ms"] = reading
    result.add("stop while decoding (worst)", d.high, "ms", STOP_DECODE_TARGET,
               detail=f"{d.describe('ms')}; stop at a random moment")
    result.add(f"stop while reading a {plan.stop_prompt_tokens:,}-token prompt (worst)",
               r.high, "ms", STOP_PROMPT_TARGET, detail=r.describe("ms"))


def main() -> int:
    from bench.common import bench_model, finish, section_parser

    args = section_parser(__doc__ or "").parse_args()
    result = SectionResult("Latency")
    run(args, bench_model(args), result)
    return finish(result, args)


if __name__ == "__main__":
    raise SystemExit(main())
