"""SettingsStore: round trips, and a bad file never stops the app nor gets lost."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app.core.modelfiles import jsonstore
from app.core.paths import AppPaths
from app.core.settings import SETTINGS_VERSION, Settings, SettingsStore

CUSTOM = Settings(context_length=32768, gpu_layers=10, threads=8, temperature=0.6, top_p=0.95,
                  top_k=50, min_p=0.05, max_reply_tokens=2048, default_effort="high",
                  default_instructions="Antworte auf Deutsch.\nKurz, bitte. ✓",
                  reasoning_expanded=True, theme="dark", font_size=13,
                  window_geometry="AdnQywADAAA=", window_state="AAAA/wAAAAE=",
                  splitter_sizes=(240, 860), last_conversation_id=42)


def asides(paths: AppPaths) -> list[Path]:
    return sorted(p for p in paths.config.iterdir() if p.name.startswith("settings.json."))


def test_round_trip(app_paths: AppPaths) -> None:
    SettingsStore(app_paths).save(CUSTOM)
    store = SettingsStore(app_paths)
    assert store.load() == CUSTOM
    assert store.notice is None
    data = json.loads(app_paths.settings_file.read_text(encoding="utf-8"))
    assert data["version"] == SETTINGS_VERSION
    assert data["splitter_sizes"] == [240, 860]


def test_a_missing_file_gives_defaults_quietly(app_paths: AppPaths) -> None:
    store = SettingsStore(app_paths)
    assert store.load() == Settings()
    assert store.notice is None
    assert not app_paths.settings_file.exists()


def test_a_missing_config_folder_is_created_on_save(tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path / "fresh")
    SettingsStore(paths).save(CUSTOM)
    assert SettingsStore(paths).load() == CUSTOM


@pytest.mark.parametrize(("content", "tag"), [
    (b"{not json", "damaged"),
    (b'["a list"]', "damaged"),
    (b'"just a string"', "damaged"),
    (b'{"theme": "dark"}', "damaged"),  # no version
    (b'{"version": "1", "theme": "dark"}', "damaged"),  # version of the wrong type
    (b"", "damaged"),
    (b'{"version": 1, "theme": "\xff\xfe dark"}', "damaged"),  # not UTF-8
])
def test_a_damaged_file_is_kept_aside_and_defaults_are_used(
        app_paths: AppPaths, content: bytes, tag: str) -> None:
    app_paths.settings_file.write_bytes(content)
    store = SettingsStore(app_paths)
    assert store.load() == Settings()
    [aside] = asides(app_paths)
    assert aside.name.startswith(f"settings.json.{tag}-")
    assert aside.read_bytes() == content
    assert store.notice is not None
    assert "was damaged" in store.notice and aside.name in store.notice
    store.save(CUSTOM)  # and it keeps working
    again = SettingsStore(app_paths)
    assert (again.load(), again.notice) == (CUSTOM, None)
    assert asides(app_paths) == [aside]


def test_an_unreadable_file_is_kept_aside(app_paths: AppPaths) -> None:
    app_paths.settings_file.mkdir()  # reading a folder fails, even for root
    (app_paths.settings_file / "inside").write_text("keep me")
    store = SettingsStore(app_paths)
    assert store.load() == Settings()
    [aside] = asides(app_paths)
    assert aside.name.startswith("settings.json.unreadable-")
    assert (aside / "inside").read_text() == "keep me"
    assert store.notice is not None and "could not be read" in store.notice
    store.save(CUSTOM)
    assert SettingsStore(app_paths).load() == CUSTOM


def test_two_damaged_files_in_the_same_second_are_both_kept(app_paths: AppPaths) -> None:
    for content in ("{first", "{second"):
        app_paths.settings_file.write_text(content)
        SettingsStore(app_paths).load()
    assert sorted(p.read_text() for p in asides(app_paths)) == ["{first", "{second"]


def test_invalid_values_fall_back_one_by_one_and_the_file_is_copied(
        app_paths: AppPaths) -> None:
    content = json.dumps({"version": 1, "context_length": "big", "temperature": 7,
                          "theme": "dark", "font_size": 13, "unknown": [1, 2]})
    app_paths.settings_file.write_text(content)
    store = SettingsStore(app_paths)
    settings = store.load()
    assert (settings.context_length, settings.temperature) == (16384, 1.0)
    assert (settings.theme, settings.font_size) == ("dark", 13)
    assert store.notice is not None
    assert "Context length, Temperature" in store.notice
    [copy] = asides(app_paths)
    assert copy.name.startswith("settings.json.invalid-") and copy.name in store.notice
    assert copy.read_text() == content
    assert app_paths.settings_file.read_text() == content  # untouched until the next save


def test_unknown_keys_are_ignored_without_a_notice(app_paths: AppPaths) -> None:
    app_paths.settings_file.write_text(json.dumps({"version": 1, "theme": "light",
                                                   "future_option": True}))
    store = SettingsStore(app_paths)
    assert store.load() == Settings(theme="light")
    assert store.notice is None
    assert asides(app_paths) == []


NEWER = json.dumps({"version": SETTINGS_VERSION + 1, "theme": "dark", "sparkles": 3})


def test_a_newer_file_is_left_alone_and_defaults_are_used(app_paths: AppPaths) -> None:
    app_paths.settings_file.write_text(NEWER)
    store = SettingsStore(app_paths)
    settings = store.load()
    assert settings == Settings()
    assert store.notice is not None and "newer version" in store.notice
    assert app_paths.settings_file.read_text() == NEWER
    assert asides(app_paths) == []
    # Closing the window records its state: not worth the newer version's settings.
    store.save(Settings(window_geometry="AAAA", splitter_sizes=(200, 600)))
    assert app_paths.settings_file.read_text() == NEWER
    assert asides(app_paths) == []


def test_a_newer_file_is_set_aside_once_the_user_changes_a_setting(
        app_paths: AppPaths) -> None:
    app_paths.settings_file.write_text(NEWER)
    store = SettingsStore(app_paths)
    store.load()
    store.save(Settings(theme="light"))
    [aside] = asides(app_paths)
    assert aside.name.startswith("settings.json.newer-") and aside.read_text() == NEWER
    assert SettingsStore(app_paths).load() == Settings(theme="light")
    store.save(Settings(theme="dark"))  # later saves simply replace the file
    assert asides(app_paths) == [aside]


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_save_leaves_the_old_file_whole(
        app_paths: AppPaths, monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    store = SettingsStore(app_paths)
    store.save(CUSTOM)
    before = app_paths.settings_file.read_bytes()

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jsonstore.os, failing, fail)
    with pytest.raises(OSError, match="No space left"):
        store.save(Settings())
    monkeypatch.undo()
    assert app_paths.settings_file.read_bytes() == before
    assert sorted(os.listdir(app_paths.config)) == ["settings.json"]  # no temporary file left
    assert SettingsStore(app_paths).load() == CUSTOM


def test_invalid_settings_are_not_saved(app_paths: AppPaths) -> None:
    with pytest.raises(ValueError, match="Context length must be"):
        SettingsStore(app_paths).save(Settings(context_length=1))
    assert not app_paths.settings_file.exists()


def test_load_again_clears_an_old_notice(app_paths: AppPaths) -> None:
    app_paths.settings_file.write_text("{bad")
    store = SettingsStore(app_paths)
    store.load()
    assert store.notice is not None
    store.save(CUSTOM)
    assert store.load() == CUSTOM
    assert store.notice is None


def test_a_newer_file_that_cannot_be_moved_aside_is_not_overwritten(
        app_paths: AppPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    app_paths.settings_file.write_text(NEWER)
    store = SettingsStore(app_paths)
    store.load()

    def refuse(self: Path, target: Path) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "replace", refuse)
    with pytest.raises(OSError, match="left unchanged"):
        store.save(Settings(theme="light"))
    monkeypatch.undo()
    assert app_paths.settings_file.read_text() == NEWER
    assert asides(app_paths) == []
