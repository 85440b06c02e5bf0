"""Earlier reasoning is dropped once its turn was answered; a turn in progress keeps its own.

The one-turn rules are the reference's (vectors test_dropping_cot_by_default,
test_keep_analysis_between_finals, test_does_not_drop_if_ongoing_analysis, test_preserve_cot,
checked in test_render_vectors); these tests cover longer conversations.
"""

from __future__ import annotations

from app.core.harmony.prompt import Message, Prompt
from app.core.harmony.render import render_text, visible_history


def user(text: str) -> Message:
    return Message("user", text)


def thought(text: str) -> Message:
    return Message("assistant", text, channel="analysis")


def answer(text: str) -> Message:
    return Message("assistant", text, channel="final")


CALL = Message("assistant", '{"city": "Paris"}', channel="commentary",
               recipient="functions.weather", content_type="<|constrain|>json")
RESULT = Message("tool", '{"temp": 21}', name="functions.weather", recipient="assistant",
                 channel="commentary")


def test_reasoning_of_every_answered_turn_is_dropped() -> None:
    history = [user("1?"), thought("t1"), answer("a1"), user("2?"), thought("t2"), answer("a2"),
               user("3?")]
    assert visible_history(history, True) == [user("1?"), answer("a1"), user("2?"), answer("a2"),
                                              user("3?")]


def test_a_tool_chain_in_progress_keeps_its_reasoning_but_not_earlier_turns() -> None:
    history = [user("1?"), thought("t1"), answer("a1"), user("weather?"), thought("need tool"),
               CALL, RESULT]
    assert visible_history(history, True) == [user("1?"), answer("a1"), user("weather?"),
                                              thought("need tool"), CALL, RESULT]


def test_a_finished_tool_chain_keeps_calls_and_results_but_not_reasoning() -> None:
    history = [user("weather?"), thought("need tool"), CALL, RESULT, thought("got it"),
               answer("21 C"), user("thanks")]
    assert visible_history(history, True) == [user("weather?"), CALL, RESULT, answer("21 C"),
                                              user("thanks")]


def test_reasoning_of_a_turn_without_answer_is_kept() -> None:
    history = [user("weather?"), thought("need tool"), CALL, user("never mind")]
    assert visible_history(history, True) == history


def test_nothing_is_dropped_when_asked_to_keep_reasoning() -> None:
    history = [user("1?"), thought("t1"), answer("a1"), user("2?")]
    assert visible_history(history, False) == history


def test_each_prompt_extends_the_previous_one() -> None:
    """What makes llama.cpp's prefix reuse work: turn n+1's prompt starts with turn n's."""
    turns = [[user("1?")], [thought("t1"), answer("a1"), user("2?")],
             [thought("t2"), answer("a2"), user("3?")]]
    history: list[Message] = []
    previous = ""
    for turn in turns:
        history += turn
        prompt = render_text(Prompt(messages=tuple(history)))
        assert prompt.startswith(previous)
        assert "t1" not in prompt and "t2" not in prompt
        previous = prompt
