"""Properties of the parser over the tiny model's real vocabulary, with hypothesis."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.engine.llama_vocab import LlamaVocabulary
from app.core.harmony.events import (
    AnswerDelta,
    CommentaryDelta,
    Event,
    ReasoningDelta,
    StopReason,
    ToolCallDelta,
    TurnEnd,
)
from app.core.harmony.parser import HarmonyStreamParser
from app.core.harmony.prompt import Message, Prompt
from app.core.harmony.render import render_tokens
from app.core.harmony.vocab import HarmonyMarkers, safe_tokenize, special_token_ids
from tests.modelgen.vocab import HARMONY_SPECIALS

TEXT_EVENTS = (ReasoningDelta, AnswerDelta, CommentaryDelta, ToolCallDelta)
PROPERTY = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(data=st.data())
def test_arbitrary_token_sequences_never_raise_nor_show_markers(
        tiny_vocab: LlamaVocabulary, data: st.DataObject) -> None:
    specials = sorted(special_token_ids(tiny_vocab))
    token = st.one_of(st.sampled_from(specials), st.integers(0, tiny_vocab.size - 1))
    ids = data.draw(st.lists(token, max_size=60), label="ids")
    parser = HarmonyStreamParser(tiny_vocab)
    events: list[Event] = []
    for token_id in ids:
        events += parser.feed(token_id)
    events += parser.finish(data.draw(st.sampled_from([StopReason.LENGTH, StopReason.STOPPED])))

    assert isinstance(events[-1], TurnEnd)
    # Marker text can only appear if the model spelled it out with ordinary tokens.
    spelled = b"".join(tiny_vocab.token_bytes(t) for t in ids if t not in specials)
    spelled_text = spelled.decode("utf-8", errors="replace")
    shown = [event.text for event in events if isinstance(event, TEXT_EVENTS)]
    for text in shown:
        for marker in HARMONY_SPECIALS:
            assert marker not in text or marker in spelled_text
    # What was shown is exactly what is stored of the assistant's messages.
    stored = "".join(m.content for m in parser.messages if m.role == "assistant")
    assert "".join(shown) == stored


CONTENT = st.lists(st.one_of(st.text(max_size=12), st.sampled_from(HARMONY_SPECIALS)),
                   max_size=4).map("".join)
PLAIN = st.builds(Message, role=st.just("assistant"), content=CONTENT,
                  channel=st.sampled_from(["analysis", "commentary", "final"]))
CALL = st.builds(Message, role=st.just("assistant"), content=CONTENT,
                 channel=st.sampled_from(["commentary", "analysis"]),
                 recipient=st.sampled_from(["functions.get_weather", "python", "browser.search"]),
                 content_type=st.sampled_from([None, "<|constrain|>json", "json", "code"]))


@PROPERTY
@given(messages=st.lists(st.one_of(PLAIN, CALL), min_size=1, max_size=5),
       ends_with_return=st.booleans())
def test_rendered_replies_parse_back_to_the_same_messages(
        tiny_vocab: LlamaVocabulary, messages: list[Message], ends_with_return: bool) -> None:
    """Even content holding marker texts survives: it was tokenized as text."""
    markers = HarmonyMarkers.from_vocab(tiny_vocab)
    ids = render_tokens(Prompt(system=False, messages=tuple(messages),
                               drop_previous_reasoning=False, add_generation_prompt=False),
                        tiny_vocab)
    prompt_tail = [markers.start, *safe_tokenize("assistant", tiny_vocab)]
    assert ids[:len(prompt_tail)] == prompt_tail
    reply = ids[len(prompt_tail):]
    if ends_with_return and reply[-1] == markers.end:
        reply[-1] = markers.return_  # as the model ends its answer
    parser = HarmonyStreamParser(tiny_vocab)
    for token_id in reply:
        parser.feed(token_id)
    assert parser.messages == messages
