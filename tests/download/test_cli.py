"""`oss-chat download` as a user runs it: a separate process, talking to the fake Hub."""

from __future__ import annotations

import os
import subprocess
import sys
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
