"""The generated test models load in the real llama.cpp, and scripted ones follow their script."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.modelgen.scripted import split_markers, write_scripted_model
from tests.modelgen.vocab import HARMONY_SPECIALS

llama_cpp = pytest.importorskip("llama_cpp")

PROMPT = (b"<|start|>system<|message|>You are ChatGPT, a large language model trained by OpenAI."
          b"<|end|><|start|>user<|message|>What is 2 + 2?<|end|><|start|>assistant")
SAMPLING = {"temp": 1.0, "top_p": 1.0, "top_k": 0, "min_p": 0.0}


@pytest.fixture
def load() -> Iterator:
    models = []

    def _load(path: Path, n_ctx: int = 1024):
        model = llama_cpp.Llama(str(path), n_ctx=n_ctx, n_threads=1, verbose=False)
        models.append(model)
        return model

    yield _load
    for model in models:
        model.close()


def _generate(model, prompt: bytes, limit: int, stop: set[int], seed: int = 0) -> list[int]:
    model.set_seed(seed)
    out: list[int] = []
    for token in model.generate(model.tokenize(prompt, add_bos=False, special=True), **SAMPLING):
        out.append(token)
        if token in stop or len(out) >= limit:
            break
    return out


def _marker_ids(model) -> dict[str, int]:
    return {m: model.tokenize(m.encode(), add_bos=False, special=True)[0] for m in HARMONY_SPECIALS}


def test_tiny_model_loads_with_gpt_oss_architecture_and_markers(tiny_model: Path, load) -> None:
    model = load(tiny_model)
    assert model.metadata["general.architecture"] == "gpt-oss"
    markers = _marker_ids(model)
    real_ids = {"<|return|>": 200002, "<|channel|>": 200005, "<|start|>": 200006,
                "<|end|>": 200007, "<|message|>": 200008, "<|call|>": 200012}
    for marker, real in real_ids.items():
        assert markers[marker] != real
        assert model.detokenize([markers[marker]], special=True).decode() == marker
    assert len(set(markers.values())) == len(markers)
    tokens = _generate(model, PROMPT, 8, set())
    assert len(tokens) == 8 and all(0 <= t < model.n_vocab() for t in tokens)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scripted_model_reproduces_its_script_at_temperature_one(scripted_model, load,
                                                                seed: int) -> None:
    pieces = [*split_markers("<|channel|>analysis<|message|>User asks 2 + 2. Simple.<|end|>"
                             "<|start|>assistant<|channel|>final<|message|>2 + 2 = 4 "),
              "🙂".encode()[:2], "🙂".encode()[2:], "<|return|>"]
    scripted = scripted_model(pieces)
    model = load(scripted.path)
    stop = {_marker_ids(model)["<|return|>"]}
    tokens = _generate(model, PROMPT, 100, stop, seed=seed)
    assert tokens == list(scripted.token_ids)
    text = model.detokenize(tokens, special=True).decode("utf-8")
    assert text == scripted.text
    assert text.endswith("2 + 2 = 4 🙂<|return|>")


def test_scripted_model_with_repeated_pieces_and_a_long_prompt(scripted_model, load) -> None:
    pieces = split_markers(
        "<|channel|>analysis<|message|>Think.<|end|><|start|>assistant<|channel|>commentary"
        "<|message|>Let me check.<|end|><|start|>assistant to=functions.lookup<|channel|>commentary"
        " <|constrain|>json<|message|>{\"q\": 1}<|call|>")
    scripted = scripted_model(pieces)
    model = load(scripted.path, n_ctx=4096)
    filler = b" ".join(b"word%d" % i for i in range(300))
    prompt = b"<|start|>user<|message|>" + filler + b"<|end|><|start|>assistant"
    tokens = _generate(model, prompt, 200, {_marker_ids(model)["<|call|>"]})
    assert model.detokenize(tokens, special=True).decode() == scripted.text


def test_endless_scripted_model_never_stops(scripted_model, load) -> None:
    scripted = scripted_model(["<|channel|>", "final", "<|message|>", "tick ", "tock "],
                              endless=True)
    model = load(scripted.path)
    tokens = _generate(model, PROMPT, 60, set())
    text = model.detokenize(tokens, special=True).decode()
    assert text.startswith("<|channel|>final<|message|>tick tock ")
    assert text.count("<|channel|>") == 12


def test_ambiguous_script_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ambiguous"):
        write_scripted_model(tmp_path / "x.gguf", ["a", "<|end|>", "<|end|>", "<|end|>", "b",
                                                   "<|end|>", "<|end|>", "<|end|>", "c",
                                                   "<|return|>"])
    with pytest.raises(ValueError, match="must end"):
        write_scripted_model(tmp_path / "y.gguf", ["<|channel|>", "final"])


def test_scripted_model_answers_differently_once_the_prompt_holds_a_call(scripted_model,
                                                                        load) -> None:
    call = split_markers("<|channel|>analysis<|message|>Compute it.<|end|><|start|>assistant"
                         " to=python<|channel|>analysis<|message|>print(6 * 7)<|call|>")
    answer = split_markers("<|channel|>final<|message|>It is 42.<|return|>")
    scripted = scripted_model(call, after_call=answer)
    model = load(scripted.path, n_ctx=4096)
    stop = {_marker_ids(model)[m] for m in ("<|call|>", "<|return|>")}
    first = _generate(model, PROMPT, 100, stop)
    assert model.detokenize(first, special=True).decode() == scripted.text
    filler = b" ".join(b"w%d" % i for i in range(200))  # the call is far back (> 128 tokens)
    followup = (PROMPT + model.detokenize(first, special=True)
                + b"<|start|>python to=assistant<|channel|>analysis<|message|>42\n" + filler
                + b"<|end|><|start|>assistant")
    for seed in range(3):
        second = _generate(model, followup, 100, stop, seed=seed)
        text = model.detokenize(second, special=True).decode()
        assert text == "<|channel|>final<|message|>It is 42.<|return|>"
    # A new conversation (no call in it) gets the first script again.
    assert _generate(model, PROMPT, 100, stop, seed=5) == first
