"""The user's preferences and the window's state, and the versioned file that keeps them.

Qt-free: the Settings dialog, the theme and the engine all read one frozen `Settings` value.
The model to load is not here: the model library owns the default model (models.json).

A bad settings file never stops the app. Unreadable or damaged files are set aside and the app
starts with defaults; single invalid values fall back to their defaults and the file as it was
is copied aside; a file from a newer OSS Chat is left alone until the user changes a setting.
Each case leaves `SettingsStore.notice` for the user.
"""

from __future__ import annotations

import logging
import types
import typing
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal, get_args, get_origin, get_type_hints

from app.core.engine.config import DEFAULT_CONTEXT, EngineConfig, SamplingConfig
from app.core.harmony.prompt import EFFORTS, ReasoningEffort
from app.core.modelfiles.jsonstore import JsonStore
from app.core.paths import AppPaths

log = logging.getLogger(__name__)

SETTINGS_VERSION = 1

ThemeName = Literal["system", "light", "dark"]
THEMES: tuple[ThemeName, ...] = get_args(ThemeName)

INT32_MAX = 2**31 - 1  # llama.cpp takes counts as C ints
CONTEXT_MIN, CONTEXT_MAX = 512, 131_072  # gpt-oss's trained context is 131,072
GPU_LAYERS_AUTO = -1  # every layer on the GPU when there is one
GPU_LAYERS_MAX = 999  # llama.cpp's own idiom for "all of them"
THREADS_MIN, THREADS_MAX = 1, 256
TEMPERATURE_MAX = 2.0
FONT_SIZE_SYSTEM = 0
FONT_SIZE_MIN, FONT_SIZE_MAX = 6, 48

LABELS: dict[str, str] = {
    "context_length": "Context length",
    "gpu_layers": "GPU offload",
    "threads": "Threads",
    "temperature": "Temperature",
    "top_p": "Top-p",
    "top_k": "Top-k",
    "min_p": "Min-p",
    "max_reply_tokens": "Maximum reply length",
    "default_effort": "Default reasoning effort",
    "default_instructions": "Default instructions",
    "reasoning_expanded": "Show reasoning expanded",
    "theme": "Theme",
    "font_size": "Font size",
    "window_geometry": "Window size and position",
    "window_state": "Window layout",
    "splitter_sizes": "Sidebar width",
    "last_conversation_id": "Last conversation",
}

RELOAD_FIELDS = ("context_length", "gpu_layers", "threads")
"""Fields llama.cpp reads only when it loads the model."""

UI_STATE_FIELDS = ("window_geometry", "window_state", "splitter_sizes", "last_conversation_id")
"""Recorded by the app itself, not chosen by the user in the dialog."""

_SAMPLING = SamplingConfig()


@dataclass(frozen=True)
class FieldError:
    """One invalid setting: the field's name (for the dialog) and a sentence (for the user)."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Settings:
    # Performance: a change takes effect when the model reloads.
    context_length: int = DEFAULT_CONTEXT
    gpu_layers: int = GPU_LAYERS_AUTO  # 0: CPU only
    threads: int | None = None  # None: the physical cores
    # Sampling
    temperature: float = _SAMPLING.temperature
    top_p: float = _SAMPLING.top_p
    top_k: int = _SAMPLING.top_k  # 0: off
    min_p: float = _SAMPLING.min_p
    max_reply_tokens: int | None = _SAMPLING.max_tokens  # None: no limit
    # Chat
    default_effort: ReasoningEffort = "medium"
    default_instructions: str = ""
    reasoning_expanded: bool = False
    # Appearance
    theme: ThemeName = "system"
    font_size: int = FONT_SIZE_SYSTEM  # points
    # Window state
    window_geometry: str | None = None  # base64 of QWidget.saveGeometry()
    window_state: str | None = None  # base64 of QMainWindow.saveState()
    splitter_sizes: tuple[int, ...] = ()
    last_conversation_id: int | None = None

    def validate(self) -> list[FieldError]:
        """Every invalid field with a message; empty when the settings can be used."""
        def between(value: float | None, low: float, high: float) -> bool:
            return value is not None and low <= value <= high  # False for NaN

        checks: list[tuple[str, bool, str]] = [
            ("context_length", between(self.context_length, CONTEXT_MIN, CONTEXT_MAX),
             f"Context length must be between {CONTEXT_MIN:,} and {CONTEXT_MAX:,} tokens."),
            ("gpu_layers", between(self.gpu_layers, GPU_LAYERS_AUTO, GPU_LAYERS_MAX),
             f"GPU offload must be automatic, or 0 to {GPU_LAYERS_MAX} layers."),
            ("threads", self.threads is None or between(self.threads, THREADS_MIN, THREADS_MAX),
             f"Threads must be automatic, or {THREADS_MIN} to {THREADS_MAX}."),
            ("temperature", between(self.temperature, 0.0, TEMPERATURE_MAX),
             f"Temperature must be between 0 and {TEMPERATURE_MAX:g}."),
            ("top_p", between(self.top_p, 0.0, 1.0) and self.top_p > 0.0,
             "Top-p must be more than 0 and at most 1."),
            ("top_k", between(self.top_k, 0, INT32_MAX),
             "Top-k must be 0 (off) or a positive number."),
            ("min_p", between(self.min_p, 0.0, 1.0), "Min-p must be between 0 and 1."),
            ("max_reply_tokens",
             self.max_reply_tokens is None or between(self.max_reply_tokens, 1, INT32_MAX),
             "Maximum reply length must be at least 1 token, or no limit."),
            ("default_effort", self.default_effort in EFFORTS,
             "Reasoning effort must be low, medium or high."),
            ("theme", self.theme in THEMES, "Theme must be system, light or dark."),
            ("font_size", self.font_size == FONT_SIZE_SYSTEM
             or between(self.font_size, FONT_SIZE_MIN, FONT_SIZE_MAX),
             f"Font size must be the system's, or {FONT_SIZE_MIN} to {FONT_SIZE_MAX} points."),
            ("splitter_sizes", all(size >= 0 for size in self.splitter_sizes),
             "Panel sizes cannot be negative."),
            ("last_conversation_id",
             self.last_conversation_id is None or self.last_conversation_id >= 1,
             "A conversation id is a positive number."),
        ]
        return [FieldError(name, message) for name, ok, message in checks if not ok]

    def engine_config(self) -> EngineConfig:
        return EngineConfig(n_ctx=self.context_length, n_threads=self.threads,
                            n_gpu_layers=self.gpu_layers)

    def sampling_config(self) -> SamplingConfig:
        return SamplingConfig(temperature=self.temperature, top_p=self.top_p, top_k=self.top_k,
                              min_p=self.min_p, max_tokens=self.max_reply_tokens)

    def preferences(self) -> dict[str, Any]:
        """What the user chose, without the window state the app records by itself."""
        return {name: value for name, value in asdict(self).items()
                if name not in UI_STATE_FIELDS}


def reload_changes(old: Settings, new: Settings) -> list[str]:
    """Labels of the changed settings that take effect only when the model reloads."""
    return [LABELS[name] for name in RELOAD_FIELDS if getattr(old, name) != getattr(new, name)]


def needs_reload(old: Settings, new: Settings) -> bool:
    """Whether the loaded model must be reloaded for `new` to apply (a different model file
    is the model library's business: compare its default before and after)."""
    return bool(reload_changes(old, new))


def _coerce(value: object, hint: Any) -> object:
    """`value` from JSON as the field's type; TypeError when it is something else."""
    origin, args = get_origin(hint), get_args(hint)
    if hint is bool and isinstance(value, bool):
        return value
    if hint is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if hint is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if hint is str and isinstance(value, str):
        return value
    if origin is Literal and isinstance(value, str) and value in args:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is not type(None):
                try:
                    return _coerce(value, arg)
                except TypeError:
                    pass
    if origin is tuple and isinstance(value, list):
        return tuple(_coerce(item, args[0]) for item in value)
    raise TypeError(f"{value!r} is not a {hint}")


def settings_from_dict(data: dict[str, Any]) -> tuple[Settings, list[str]]:
    """Settings from stored data, and the labels of the fields reset to their defaults
    (wrong type or invalid value). Unknown keys are ignored."""
    hints = get_type_hints(Settings)
    values: dict[str, Any] = {}
    reset: list[str] = []
    for field in fields(Settings):
        if field.name in data:
            try:
                values[field.name] = _coerce(data[field.name], hints[field.name])
            except TypeError:
                reset.append(field.name)
    settings = Settings(**values)
    invalid = [error.field for error in settings.validate()]
    defaults = Settings()
    settings = replace(settings, **{name: getattr(defaults, name) for name in invalid})
    return settings, [LABELS[name] for name in LABELS if name in reset or name in invalid]


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    data = asdict(settings)
    data["splitter_sizes"] = list(settings.splitter_sizes)
    return data


class SettingsStore:
    """settings.json in the config folder: `load()` never fails, `save()` is atomic."""

    def __init__(self, paths: AppPaths) -> None:
        self.path = paths.settings_file
        self._store = JsonStore(self.path, SETTINGS_VERSION, "the settings file",
                                keep_newer=True)
        self._loaded = Settings()
        self.notice: str | None = None  # what the user should be told after load()

    def load(self) -> Settings:
        """The stored settings; defaults when missing or unusable, with `notice` set."""
        self._store.notice = None
        data = self._store.load()
        notices = [self._store.notice] if self._store.notice else []
        settings, reset = settings_from_dict(data)
        if reset:
            copy = self._store.keep_copy("invalid")
            kept = f" The file as it was is kept as {copy.name}." if copy else ""
            notices.append("Some settings were not valid and are back to their defaults: "
                           f"{', '.join(reset)}.{kept}")
            log.warning("invalid settings reset to defaults: %s", ", ".join(reset))
        self.notice = " ".join(notices) or None
        self._loaded = settings
        return settings

    def save(self, settings: Settings) -> None:
        """Write the file atomically; raises OSError (the old file is then unchanged) and
        ValueError for invalid settings.

        A file from a newer OSS Chat stays untouched while only the window state changed;
        once the user changes a setting it is set aside and this version's file written.
        """
        errors = settings.validate()
        if errors:
            raise ValueError("invalid settings: " + " ".join(map(str, errors)))
        if self._store.newer_on_disk and settings.preferences() == self._loaded.preferences():
            log.info("leaving %s from a newer version as it is", self.path)
            return
        self._store.save(settings_to_dict(settings))
        self._loaded = settings
