"""Decode and prompt speed: the app's engine against llama.cpp on the same model and threads.

Each decode round measures every side twice in mirrored order (engine, llama.cpp with
sampling, llama.cpp without, then the same backwards; the next round starts from another
side), so a machine whose speed drifts during a round (a shared VM's does by ±10 %) slows
every side alike. The figure compared with the target is the median of the per-round ratios:
the rounds are paired, and the ratio of the two sides' medians, which mixes rounds, is shown
beside it. The engine is measured by its own statistics (`GenerationStats.decode_tok_s`,
`prompt_tok_s`): what the app shows the user.
"""

from __future__ import annotations

import argparse
import random
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

DECODE_TARGET = Target(0.97, higher_is_better=True)
PROMPT_TARGET = Target(0.95, higher_is_better=True)
N_BATCH = 512


@dataclass(frozen=True)
class SpeedPlan:
    runs: int
    gen_tokens: int
    prompt_tokens: int
    prompt_runs: int

    @classmethod
    def for_args(cls, args: argparse.Namespace) -> SpeedPlan:
        if args.quick:
            return cls(runs=args.runs or 3, gen_tokens=32, prompt_tokens=256,
                       prompt_runs=args.runs or 2)
        return cls(runs=args.runs or 7, gen_tokens=48, prompt_tokens=512,
                   prompt_runs=max(3, (args.runs or 7) * 5 // 7))


def words(rng: random.Random, count: int) -> str:
    """Plain ASCII prose-like text; with the benchmark vocabulary one character is one token."""
    vocabulary = ["the", "model", "reads", "each", "token", "and", "writes", "next", "one",
                  "while", "window", "stays", "responsive", "because", "only", "row", "changes"]
    return " ".join(rng.choice(vocabulary) for _ in range(count))


def prompt_of_length(engine, tokens: int, nonce: str):  # type: ignore[no-untyped-def]
    """A one-message prompt of about `tokens` tokens whose first tokens differ per `nonce`.

    The nonce leads the system message, so the engine's prefix reuse cannot skip the prompt.
    """
    from app.core.harmony.prompt import DEFAULT_MODEL_IDENTITY, Message, Prompt

    rng = random.Random(nonce)
    identity = f"{nonce}. {DEFAULT_MODEL_IDENTITY}"
    base = Prompt(model_identity=identity, messages=(Message("user", "x"),))
    overhead = len(engine.tokenize_prompt(base)) - 1
    text = words(rng, max(1, tokens - overhead))
    prompt = Prompt(model_identity=identity, messages=(Message("user", text),))
    # Trim to the exact length (one token per character of ASCII in the benchmark vocabulary;
    # a real vocabulary merges, so this is approximate there).
    for _ in range(4):
        extra = len(engine.tokenize_prompt(prompt)) - tokens
        if extra <= 0 or len(text) <= extra:
            break
        text = text[:len(text) - extra]
        prompt = Prompt(model_identity=identity, messages=(Message("user", text),))
    return prompt


def run(args: argparse.Namespace, model: Path, result: SectionResult) -> None:
    from app.core.engine.config import EngineConfig, SamplingConfig
    from app.core.engine.engine import Engine
    from bench.baseline import RawLlama, llama_bench

    plan = SpeedPlan.for_args(args)
    config = EngineConfig(n_ctx=4096, n_threads=args.threads or None, n_batch=N_BATCH)
    threads = config.threads
    engine = Engine()
    info = engine.load(model, config)
    # The weights are shared: llama.cpp repacks the MXFP4 experts into ~9.7 GB of its own
    # memory per loaded copy, and two copies beside the page cache leave the machine short.
    raw = RawLlama(model, n_ctx=info.n_ctx, n_threads=threads, n_batch=N_BATCH,
                   model=engine._model.pointer if engine._model else None)
    result.note(f"model {model.name}, {info.backend} ({info.device}), {threads} threads, "
                f"context {info.n_ctx}, batch {N_BATCH}; llama.cpp's side has a context of its "
                "own on the engine's loaded weights")

    # Warm up both (pages of the mapped weights, first-use setup) and check the weights.
    warm = prompt_of_length(engine, 64, "warm-up")
    engine.generate(warm, SamplingConfig(max_tokens=8, seed=1))
    raw.prompt(engine.tokenize_prompt(warm))
    raw.check_logits()
    raw.generate(8, sample=True, seed=1)

    engine_decode: list[float] = []
    engine_prompt: list[float] = []
    if selected(args, "decode"):
        engine_decode = decode_rounds(args, plan, engine, raw, result)
    if selected(args, "prompt"):
        engine_prompt = prompt_rounds(args, plan, engine, raw, result)
    raw.close()
    engine.unload()

    bench = llama_bench(model, threads=threads, prompt=plan.prompt_tokens,
                        gen=plan.gen_tokens, runs=plan.runs)
    if bench is None:
        result.note("llama-bench is not on PATH: the llama.cpp figures are the C-API loop above")
        return
    for kind, target in (("decode", DECODE_TARGET), ("prompt", PROMPT_TARGET)):
        runs = engine_decode if kind == "decode" else engine_prompt
        if kind in bench and selected(args, kind):
            result.add(f"llama-bench {kind}", bench[kind], "tok/s",
                       detail=f"±{bench[kind + '_stdev']:.2f}")
            result.add(f"{kind}: engine / llama-bench", Spread.of(runs).median / bench[kind],
                       "×", target)


def decode_rounds(args: argparse.Namespace, plan: SpeedPlan, engine, raw,  # type: ignore[no-untyped-def]
                  result: SectionResult) -> list[float]:
    """Engine, llama.cpp sampling, llama.cpp not sampling, then backwards; each round starts
    from another side. A side's figure for the round is the mean of its two rates."""
    from app.core.engine.config import SamplingConfig

    runs: dict[str, list[float]] = {"engine": [], "sampled": [], "plain": []}
    sides = list(runs)
    disturbance: list[float] = []
    for round_ in range(plan.runs):
        for attempt in range(RETRIES):
            wait_for_quiet(args.quiet_limit, args.quiet_wait)
            load = conditions(f"decode round {round_ + 1}/{plan.runs}")
            prompt = prompt_of_length(engine, 96, f"decode {round_} {attempt}")
            tokens = engine.tokenize_prompt(prompt)
            raw.prompt(tokens)  # later runs rewind to it; the engine reuses its own prefix
            rates: dict[str, list[float]] = {side: [] for side in sides}
            order = sides[round_ % 3:] + sides[:round_ % 3]
            with OthersMeter() as others:
                for side in order + order[::-1]:
                    if side == "engine":
                        # One more token than llama.cpp: the engine's rate starts at the first.
                        rates[side].append(engine.generate(prompt, SamplingConfig(
                            max_tokens=plan.gen_tokens + 1, seed=round_)).stats.decode_tok_s)
                    else:
                        raw.rewind(tokens)
                        rates[side].append(raw.generate(plan.gen_tokens,
                                                        sample=side == "sampled", seed=round_))
            figures = {side: sum(values) / len(values) for side, values in rates.items()}
            print(f"    engine {figures['engine']:.2f}, llama.cpp {figures['sampled']:.2f} "
                  f"(sampled) / {figures['plain']:.2f} (no sampling) tok/s; others used "
                  f"{others.cores:.2f} cores  [{load}]", flush=True)
            if others.cores < DISTURBED:
                break
            print("    (disturbed by other processes: this round again)", flush=True)
        disturbance.append(others.cores)
        for side, value in figures.items():
            runs[side].append(value)
    result.series["decode_runs"] = {"engine": runs["engine"], "llama.cpp (dist)": runs["sampled"],
                                    "llama.cpp (no sampling)": runs["plain"]}
    report_pair(result, "decode", runs["engine"], runs["sampled"], plain=runs["plain"],
                target=DECODE_TARGET,
                what=f"{plan.gen_tokens} tokens after a 96-token prompt; others used up to "
                     f"{max(disturbance):.2f} cores during a kept round",
                disturbed=max(disturbance) >= DISTURBED)
    return runs["engine"]


def prompt_rounds(args: argparse.Namespace, plan: SpeedPlan, engine, raw,  # type: ignore[no-untyped-def]
                  result: SectionResult) -> list[float]:
    """A new prompt each round (nothing to reuse), read by each side in alternating order."""
    from app.core.engine.config import SamplingConfig

    runs: dict[str, list[float]] = {"engine": [], "raw": []}
    disturbance: list[float] = []
    for round_ in range(plan.prompt_runs):
        for _attempt in range(RETRIES):
            wait_for_quiet(args.quiet_limit, args.quiet_wait)
            load = conditions(f"prompt round {round_ + 1}/{plan.prompt_runs}")
            prompt = prompt_of_length(engine, plan.prompt_tokens,
                                      f"prompt {round_} {random.random()}")
            tokens = engine.tokenize_prompt(prompt)
            evaluated = 0
            figures: dict[str, float] = {}
            with OthersMeter() as others:
                for side in (["engine", "raw"] if round_ % 2 == 0 else ["raw", "engine"]):
                    if side == "engine":
                        stats = engine.generate(prompt, SamplingConfig(max_tokens=1,
                                                                       seed=round_)).stats
                        figures[side] = stats.prompt_tok_s
                        evaluated = stats.evaluated_tokens
                    else:
                        figures[side] = len(tokens) / raw.prompt(tokens)
            print(f"    engine {figures['engine']:.2f} tok/s ({evaluated} evaluated), "
                  f"llama.cpp {figures['raw']:.2f} tok/s ({len(tokens)}); others used "
                  f"{others.cores:.2f} cores  [{load}]", flush=True)
            if others.cores < DISTURBED:
                break
            print("    (disturbed by other processes: this round again)", flush=True)
        disturbance.append(others.cores)
        for side, value in figures.items():
            runs[side].append(value)
    result.series["prompt_runs"] = {"engine": runs["engine"], "llama.cpp": runs["raw"]}
    report_pair(result, "prompt", runs["engine"], runs["raw"], plain=None, target=PROMPT_TARGET,
                what=f"{plan.prompt_tokens}-token prompt, batch {N_BATCH}; others used up to "
                     f"{max(disturbance):.2f} cores during a kept round",
                disturbed=max(disturbance) >= DISTURBED)
    return runs["engine"]


def report_pair(result: SectionResult, kind: str, engine: list[float], raw: list[float], *,
                plain: list[float] | None, target: Target, what: str, disturbed: bool) -> None:
    e, r = Spread.of(engine), Spread.of(raw)
    result.add(f"{kind}: engine", e.median, "tok/s", detail=f"{what}; {e.describe('tok/s')}",
               disturbed=disturbed)
    result.add(f"{kind}: llama.cpp" + (" (same sampler chain)" if plain else ""), r.median,
               "tok/s", detail=r.describe("tok/s"), disturbed=disturbed)
    paired = Spread.of([a / b for a, b in zip(engine, raw, strict=True)])
    result.add(f"{kind}: engine / llama.cpp", paired.median, "×", target,
               detail=f"median of the per-round ratios ({paired.low:.3f} – {paired.high:.3f}); "
                      f"ratio of the medians {e.median / r.median:.3f}", disturbed=disturbed)
    if plain:
        p = Spread.of(plain)
        result.add(f"{kind}: llama.cpp without sampling (llama-bench tg)", p.median, "tok/s",
                   detail=p.describe("tok/s"), disturbed=disturbed)
        unsampled = Spread.of([a / b for a, b in zip(engine, plain, strict=True)])
        result.add(f"{kind}: engine / llama.cpp without sampling", unsampled.median, "×",
                   target, detail="includes the cost of sampling 201,088 logits per token; "
                                  f"per-round ratios {unsampled.low:.3f} – {unsampled.high:.3f}",
                   disturbed=disturbed)


def main() -> int:
    from bench.common import bench_model, finish, section_parser

    parser = section_parser(__doc__ or "")
    args = parser.parse_args()
    result = SectionResult("Engine speed")
    run(args, bench_model(args), result)
    return finish(result, args)


if __name__ == "__main__":
    raise SystemExit(main())
