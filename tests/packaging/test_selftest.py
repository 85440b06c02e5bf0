"""`oss-chat --self-test` from source: the report, its exit status, and finding resources."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import selftest
from app.core import resources
from tests.modelgen.scripted import split_markers

REPLY = "<|channel|>final<|message|>Hello from the self-test.<|return|>"
BASE_CHECKS = ("install", "resources", "window", "llama.cpp", "backend")

pytestmark = pytest.mark.slow


def _self_test(data_dir: Path, *args: str,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", "--data-dir", str(data_dir),
                           "--self-test", *args], capture_output=True, text=True,
                          encoding="utf-8", timeout=120, check=False, env=env)


def _lines(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """check name -> its report line."""
    found = {}
    for line in result.stdout.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] in ("ok", "FAIL"):
            found[words[1]] = line
    return found


def test_passes_with_a_model(data_dir: Path, scripted_model) -> None:
    model = scripted_model(split_markers(REPLY))
    result = _self_test(data_dir, "--model", str(model.path))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = _lines(result)
    assert list(lines) == [*BASE_CHECKS, "model"]
    assert all(line.startswith("ok") for line in lines.values())
    assert "scripted-gpt-oss" in lines["model"] and "on CPU" in lines["model"]
    assert " tokens" in lines["model"]
    assert "CPU" in lines["backend"]
    assert result.stdout.strip().splitlines()[-1] == "self-test passed (6 checks)"


def test_without_a_display_it_draws_offscreen(data_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    result = _self_test(data_dir, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = _lines(result)
    assert list(lines) == list(BASE_CHECKS)
    assert "offscreen platform" in lines["window"]


def test_a_broken_model_fails_with_the_reason(data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model")
    result = _self_test(data_dir, "--model", str(bad))
    assert result.returncode == 1
    lines = _lines(result)
    assert lines["model"].split(None, 2)[2] == "bad.gguf is not a GGUF model file."
    assert all(lines[name].startswith("ok") for name in BASE_CHECKS)
    assert result.stdout.strip().splitlines()[-1] == "self-test FAILED: model"


def test_a_missing_model_fails_with_exit_status_1(data_dir: Path, tmp_path: Path) -> None:
    result = _self_test(data_dir, "--model", str(tmp_path / "nowhere.gguf"))
    assert result.returncode == 1
    assert "model file not found" in _lines(result)["model"]


def test_frozen_bundles_find_resources_in_their_data_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resource_path(resources.APP_ICON) == (
        tmp_path / "resources" / "icons" / "oss-chat.svg")
    with pytest.raises(selftest.CheckFailed, match=r"icons/oss-chat\.svg"):
        selftest._resources()
    icon = tmp_path / "resources" / resources.APP_ICON
    icon.parent.mkdir(parents=True)
    icon.write_text("<svg/>")
    assert selftest._resources().startswith("all present in ")


def test_from_source_every_required_resource_is_there() -> None:
    assert not resources.is_frozen()
    assert resources.missing_resources() == []
