"""Settings: defaults, validation of every field, the engine and sampling mapping, reloads."""

from __future__ import annotations

import math
from dataclasses import fields, replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.engine.config import EngineConfig, SamplingConfig
from app.core.settings import (
    LABELS,
    FieldError,
    Settings,
    needs_reload,
    reload_changes,
    settings_from_dict,
    settings_to_dict,
)


def errors_for(**changes: Any) -> list[str]:
    return [error.field for error in replace(Settings(), **changes).validate()]


def test_defaults_follow_the_issue_and_are_valid() -> None:
    settings = Settings()
    assert (settings.context_length, settings.gpu_layers, settings.threads) == (16384, -1, None)
    assert (settings.temperature, settings.top_p, settings.top_k, settings.min_p) == \
        (1.0, 1.0, 0, 0.0)
    assert settings.max_reply_tokens is None
    assert (settings.default_effort, settings.default_instructions) == ("medium", "")
    assert (settings.theme, settings.font_size, settings.reasoning_expanded) == \
        ("system", 0, False)
    assert (settings.window_geometry, settings.window_state, settings.splitter_sizes,
            settings.last_conversation_id) == (None, None, (), None)
    assert settings.validate() == []


def test_every_field_has_a_label() -> None:
    assert set(LABELS) == {field.name for field in fields(Settings)}


# Each numeric field: its valid bounds (None: unbounded) and whether None means "automatic".
INT_RANGES = {
    "context_length": (512, 131072, False),
    "gpu_layers": (-1, 999, False),
    "threads": (1, 256, True),
    "top_k": (0, 2**31 - 1, False),
    "max_reply_tokens": (1, 2**31 - 1, True),
}


@pytest.mark.parametrize("name", list(INT_RANGES))
@given(value=st.integers(min_value=-2**40, max_value=2**40))
def test_integer_fields_are_valid_exactly_in_their_range(name: str, value: int) -> None:
    low, high, _ = INT_RANGES[name]
    assert (name in errors_for(**{name: value})) == (not low <= value <= high)


@pytest.mark.parametrize("name", ["context_length", "gpu_layers", "threads", "top_k",
                                  "max_reply_tokens"])
def test_integer_bounds(name: str) -> None:
    low, high, none_ok = INT_RANGES[name]
    assert errors_for(**{name: low}) == errors_for(**{name: high}) == []
    assert errors_for(**{name: low - 1}) == errors_for(**{name: high + 1}) == [name]
    assert errors_for(**{name: None}) == ([] if none_ok else [name])


@given(value=st.integers(min_value=-1000, max_value=1000))
def test_font_size_is_the_system_one_or_6_to_48(value: int) -> None:
    assert ("font_size" in errors_for(font_size=value)) == (value != 0 and not 6 <= value <= 48)


FLOAT_RANGES = {"temperature": (0.0, 2.0, True), "top_p": (0.0, 1.0, False),
                "min_p": (0.0, 1.0, True)}


@pytest.mark.parametrize("name", list(FLOAT_RANGES))
@given(value=st.floats(allow_nan=True, allow_infinity=True))
def test_float_fields_are_valid_exactly_in_their_range(name: str, value: float) -> None:
    low, high, low_included = FLOAT_RANGES[name]
    valid = (low <= value if low_included else low < value) and value <= high
    assert (name in errors_for(**{name: value})) == (not valid)


def test_float_bounds_and_nan() -> None:
    assert errors_for(temperature=0.0) == errors_for(temperature=2.0) == []
    assert errors_for(top_p=0.0) == ["top_p"]  # 0 would keep no token at all
    assert errors_for(top_p=1e-9) == []
    assert errors_for(min_p=1.0) == errors_for(min_p=0.0) == []
    assert errors_for(temperature=math.nan) == ["temperature"]


@pytest.mark.parametrize(("name", "good", "bad"), [
    ("default_effort", ["low", "medium", "high"], ["Medium", "extreme", ""]),
    ("theme", ["system", "light", "dark"], ["Dark", "blue", ""]),
])
def test_choices(name: str, good: list[str], bad: list[str]) -> None:
    for value in good:
        assert errors_for(**{name: value}) == []
    for value in bad:
        assert errors_for(**{name: value}) == [name]


def test_window_state_checks() -> None:
    assert errors_for(splitter_sizes=(0, 300)) == []
    assert errors_for(splitter_sizes=(-1, 300)) == ["splitter_sizes"]
    assert errors_for(last_conversation_id=0) == ["last_conversation_id"]


def test_errors_are_per_field_sentences() -> None:
    errors = replace(Settings(), context_length=100, theme="blue").validate()  # type: ignore[arg-type]
    assert [e.field for e in errors] == ["context_length", "theme"]
    assert str(errors[0]) == "Context length must be between 512 and 131,072 tokens."
    assert isinstance(errors[0], FieldError)


def test_engine_config_mapping() -> None:
    settings = Settings(context_length=8192, gpu_layers=12, threads=6)
    assert settings.engine_config() == EngineConfig(n_ctx=8192, n_threads=6, n_gpu_layers=12)
    assert Settings().engine_config() == EngineConfig()


def test_sampling_config_mapping() -> None:
    settings = Settings(temperature=0.7, top_p=0.9, top_k=40, min_p=0.05, max_reply_tokens=500)
    assert settings.sampling_config() == SamplingConfig(temperature=0.7, top_p=0.9, top_k=40,
                                                        min_p=0.05, max_tokens=500)
    assert Settings().sampling_config() == SamplingConfig()


@pytest.mark.parametrize(("change", "reload"), [
    ({"context_length": 8192}, True),
    ({"gpu_layers": 0}, True),
    ({"threads": 4}, True),
    ({"temperature": 0.5}, False),
    ({"max_reply_tokens": 10}, False),
    ({"theme": "dark", "font_size": 12, "default_effort": "high"}, False),
    ({"window_geometry": "AAAA", "splitter_sizes": (1, 2)}, False),
])
def test_needs_reload(change: dict[str, Any], reload: bool) -> None:
    old = Settings()
    assert needs_reload(old, replace(old, **change)) is reload
    assert needs_reload(old, old) is False


def test_reload_changes_names_the_fields() -> None:
    new = Settings(context_length=4096, threads=2)
    assert reload_changes(Settings(), new) == ["Context length", "Threads"]


VALID_SETTINGS = st.builds(
    Settings, context_length=st.integers(512, 131072), gpu_layers=st.integers(-1, 999),
    threads=st.none() | st.integers(1, 256), temperature=st.floats(0, 2),
    top_p=st.floats(0.001, 1), top_k=st.integers(0, 10**6), min_p=st.floats(0, 1),
    max_reply_tokens=st.none() | st.integers(1, 10**6),
    default_effort=st.sampled_from(["low", "medium", "high"]), default_instructions=st.text(),
    reasoning_expanded=st.booleans(), theme=st.sampled_from(["system", "light", "dark"]),
    font_size=st.sampled_from([0, 6, 11, 48]), window_geometry=st.none() | st.text(),
    splitter_sizes=st.lists(st.integers(0, 5000), max_size=3).map(tuple),
    last_conversation_id=st.none() | st.integers(1, 10**9))


@given(settings=VALID_SETTINGS)
def test_dict_round_trip(settings: Settings) -> None:
    assert settings.validate() == []
    assert settings_from_dict(settings_to_dict(settings)) == (settings, [])


@pytest.mark.parametrize(("name", "value"), [
    ("context_length", "16384"), ("context_length", 16384.0), ("context_length", True),
    ("threads", [4]), ("temperature", "hot"), ("temperature", False),
    ("reasoning_expanded", 1), ("default_instructions", 5), ("theme", 3),
    ("splitter_sizes", [100, "wide"]), ("splitter_sizes", 300), ("window_geometry", 12),
])
def test_wrong_types_fall_back_to_the_default(name: str, value: object) -> None:
    settings, reset = settings_from_dict({name: value, "font_size": 14})
    assert getattr(settings, name) == getattr(Settings(), name)
    assert settings.font_size == 14  # the other settings stay
    assert reset == [LABELS[name]]


def test_an_integer_is_a_fine_float_and_unknown_keys_are_ignored() -> None:
    settings, reset = settings_from_dict({"temperature": 1, "top_p": 0, "colour": "teal"})
    assert settings.temperature == 1.0 and isinstance(settings.temperature, float)
    assert settings.top_p == 1.0  # 0 is out of range
    assert reset == ["Top-p"]
