"""The PyInstaller spec and its decisions, checked without running a build (CI builds for real)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import bundle_config as cfg
import pytest

import app
from app.cli import COMMANDS
from app.core.resources import REQUIRED

SPEC = cfg.PACKAGING / "oss-chat.spec"
BUILT_BUNDLE = cfg.ROOT / "dist" / "oss-chat"


class _Recorder:
    """Stands in for one of PyInstaller's build classes and keeps what the spec passed."""

    calls: dict[str, dict[str, Any]]

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        _Recorder.calls[self.kind] = {"args": args, **kwargs}
        return SimpleNamespace(pure=[], scripts=[], binaries=[], datas=[])


@pytest.fixture
def spec_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """Run the spec with PyInstaller's classes replaced by recorders; no icons, no build."""
    _Recorder.calls = {}
    monkeypatch.setattr(cfg, "render_icons", lambda: None)
    dist = tmp_path / "dist"
    (dist / "oss-chat" / "_internal" / "llama_cpp" / "lib").mkdir(parents=True)
    (dist / "oss-chat" / "_internal" / "llama_cpp" / "lib" / "libllama.so").write_bytes(b"")
    namespace: dict[str, Any] = {
        "SPECPATH": str(cfg.PACKAGING), "DISTPATH": str(dist), "__file__": str(SPEC),
        **{kind: _Recorder(kind) for kind in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")},
    }
    exec(compile(SPEC.read_text(), str(SPEC), "exec"), namespace)
    return _Recorder.calls


def test_the_spec_collects_llama_cpp_resources_and_every_app_module(spec_calls) -> None:
    analysis = spec_calls["Analysis"]
    libraries = {(Path(src).name, dest) for src, dest in analysis["binaries"]}
    assert any(cfg.is_llama_library(name) and dest == "llama_cpp/lib" for name, dest in libraries)
    assert any(name.startswith(("libggml", "ggml")) for name, _ in libraries)
    assert (str(cfg.ROOT / "resources"), "resources") in analysis["datas"]
    assert set(COMMANDS.values()) | {"app.cli.selftest", "statistics"} <= set(
        analysis["hiddenimports"])
    assert "PySide6.QtQml" in analysis["excludes"]
    assert spec_calls["EXE"]["name"] == app.APP_SLUG
    assert spec_calls["COLLECT"]["name"] == app.APP_SLUG


def test_the_python_tool_gets_the_standard_library_without_its_test_suite() -> None:
    modules = set(cfg.standard_library())
    assert {"statistics", "fractions", "decimal", "csv", "zoneinfo", "xml.etree.ElementTree",
            "email.mime.text", "concurrent.futures"} <= modules
    assert not {"tkinter", "idlelib", "test", "crypt"} & modules
    assert not any(".test" in name or name.endswith("__main__") for name in modules)


def test_every_required_resource_is_in_the_collected_folder() -> None:
    [(source, dest)] = cfg.data_files()
    assert dest == "resources"
    assert all((Path(source) / name).is_file() for name in REQUIRED)


def test_the_identity_comes_from_the_app_package() -> None:
    meta = cfg.app_meta()
    assert (meta.name, meta.slug, meta.app_id, meta.version) == (
        app.APP_NAME, app.APP_SLUG, app.APP_ID, app.__version__)
    plist = cfg.macos_info_plist(meta)
    assert plist["NSHighResolutionCapable"] is True
    assert plist["CFBundleShortVersionString"] == app.__version__
    assert plist["LSMinimumSystemVersion"] == cfg.MIN_MACOS


def _fake_bundle(root: Path, *names: str) -> Path:
    for name in ("_internal/llama_cpp/lib/libllama.so", *names):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"")
    return root


def test_a_bundle_with_a_model_inside_is_refused(tmp_path: Path) -> None:
    cfg.check_bundle(_fake_bundle(tmp_path / "good"))
    with pytest.raises(SystemExit, match="must not contain a model"):
        cfg.check_bundle(_fake_bundle(tmp_path / "bad", "_internal/models/gpt-oss-20b.gguf"))


def test_a_bundle_without_llama_cpp_is_refused(tmp_path: Path) -> None:
    (tmp_path / "_internal").mkdir()
    with pytest.raises(SystemExit, match=r"llama\.cpp's library is missing"):
        cfg.check_bundle(tmp_path)


def test_a_cuda_bundle_needs_the_cuda_runtime(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="cudart"):
        cfg.check_bundle(_fake_bundle(tmp_path / "a", "_internal/llama_cpp/lib/ggml-cuda.dll"))
    cfg.check_bundle(_fake_bundle(tmp_path / "b", "_internal/llama_cpp/lib/ggml-cuda.dll",
                                  "_internal/cudart64_12.dll", "_internal/cublas64_12.dll"))


@pytest.mark.skipif(not (BUILT_BUNDLE / "oss-chat").is_file(),
                    reason="no bundle in dist/ (make package builds one; CI checks it)")
def test_a_built_bundle_has_llama_cpp_and_the_resources_and_no_model() -> None:
    internal = BUILT_BUNDLE / "_internal"
    assert (internal / "llama_cpp" / "lib" / "libllama.so").is_file()
    assert all((internal / "resources" / name).is_file() for name in REQUIRED)
    assert cfg.models_in(BUILT_BUNDLE) == []
    assert not (internal / "PySide6" / "QtQml.abi3.so").exists()
