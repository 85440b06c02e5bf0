"""`oss-chat download` as a user runs it: a separate process, talking to the fake Hub."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.modelfiles.library import ModelLibrary
from app.core.paths import AppPaths
from tests.download.conftest import FILE, REPO
from tests.download.fakehub import COMMIT, FakeHub

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _oss_chat(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "app", "--data-dir", str(data_dir), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def test_download_prints_the_path_and_makes_it_the_default(
        fake_hub: FakeHub, data_dir: Path, model_bytes: bytes) -> None:
    result = _oss_chat(data_dir, "download")
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.name == FILE and COMMIT in path.parts
    assert path.read_bytes() == model_bytes
    assert f"from {REPO} at {COMMIT[:12]}" in result.stderr
    assert "Memory: needs about" in result.stderr
    library = ModelLibrary(AppPaths.under(data_dir))
    assert library.default is not None and library.default.path == path

    again = _oss_chat(data_dir, "download", "--repo", REPO, "--file", FILE.lower(),
                      "--revision", COMMIT)
    assert (again.returncode, again.stdout) == (0, result.stdout)


def test_a_bad_repository_is_one_line_on_stderr(fake_hub: FakeHub, data_dir: Path) -> None:
    result = _oss_chat(data_dir, "download", "--repo", "nobody/nothing")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "oss-chat: nobody/nothing was not found on Hugging Face (check the name; private "
        "repositories are not supported)."]


def test_a_malformed_repository_name_is_a_usage_error(data_dir: Path) -> None:
    result = _oss_chat(data_dir, "download", "--repo", "just-a-name")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "oss-chat: --repo must look like owner/name, not 'just-a-name'"]


def test_ctrl_c_pauses_and_the_next_run_continues(
        fake_hub: FakeHub, data_dir: Path, model_bytes: bytes) -> None:
    fake_hub.piece_delay = 0.08  # about 2.5 s for the whole file
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), "download"], cwd=ROOT,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    models = data_dir / "data" / "models"
    deadline = time.monotonic() + 30
    parts: list[Path] = []
    while time.monotonic() < deadline and not any(p.stat().st_size > 0 for p in parts):
        time.sleep(0.02)
        parts = list(models.rglob("*.part")) if models.exists() else []
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert out == ""
    assert "download paused; run the same command again to continue" in err
    [part] = list(models.rglob("*.part"))
    kept = part.stat().st_size
    assert 0 < kept < len(model_bytes)

    fake_hub.piece_delay = 0.0
    result = _oss_chat(data_dir, "download")
    assert result.returncode == 0, result.stderr
    assert "Continuing the download started earlier" in result.stderr
    assert fake_hub.served[-1].start == kept
    assert Path(result.stdout.strip()).read_bytes() == model_bytes
