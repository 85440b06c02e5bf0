"""Keep a conversation inside the context window by leaving out its oldest turns.

System settings and instructions live outside `Prompt.messages`, so they are always kept.
Turns are dropped whole (a user message and everything after it up to the next user
message). When turns must go, enough are dropped to leave a quarter of the budget free, so the
next few turns keep the same prefix and llama.cpp can reuse its cache.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from app.core.harmony.prompt import Prompt

HEADROOM = 0.75


class PromptTooLong(Exception):
    """Even the newest message alone does not fit the context."""


@dataclass(frozen=True)
class FittedPrompt:
    tokens: list[int]
    dropped_turns: int


def _turn_starts(prompt: Prompt) -> list[int]:
    return [i for i, m in enumerate(prompt.messages) if m.role == "user"]


def _without_turns(prompt: Prompt, starts: list[int], count: int) -> Prompt:
    if count == 0:
        return prompt
    cut = starts[count]
    kept = [m for m in prompt.messages[:cut] if m.role in ("system", "developer")]
    return dataclasses.replace(prompt, messages=(*kept, *prompt.messages[cut:]))


def fit_prompt(prompt: Prompt, tokenize: Callable[[Prompt], list[int]], budget: int,
               min_dropped: int = 0) -> FittedPrompt:
    """Tokens of the prompt with the fewest oldest turns left out so it fits `budget`.

    `min_dropped` is how many turns were left out last time: dropping at least as many keeps
    the prompt's beginning stable from turn to turn.
    """
    starts = _turn_starts(prompt)
    last = max(len(starts) - 1, 0)
    first_try = min(min_dropped, last)
    tokens = tokenize(_without_turns(prompt, starts, first_try))
    if len(tokens) <= budget:
        return FittedPrompt(tokens, first_try)
    target = int(budget * HEADROOM)
    low, high = first_try + 1, last
    best: FittedPrompt | None = None
    while low <= high:  # fewest dropped turns that bring the prompt under the target
        mid = (low + high) // 2
        candidate = tokenize(_without_turns(prompt, starts, mid))
        if len(candidate) <= target:
            best, high = FittedPrompt(candidate, mid), mid - 1
        else:
            low = mid + 1
    if best is None:
        newest = tokenize(_without_turns(prompt, starts, last))
        if len(newest) > budget:
            raise PromptTooLong(
                f"The message is too long for the context: {len(newest):,} tokens, "
                f"and the context holds {budget:,} (leaving room for the reply).")
        best = FittedPrompt(newest, last)
    return best
