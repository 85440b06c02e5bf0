"""`oss-chat --self-test [--model PATH]`: prove that an installation works, without a display.

An installer can look complete and still fail on the first double-click: a Qt plugin or
llama.cpp's native libraries left out of the bundle, a resource not copied. The self-test
exercises exactly those parts (the main window, drawn offscreen; the resources; llama.cpp's
libraries and the acceleration backend; with `--model`, a real load and a few generated
tokens) and prints one line per check. Exit status 0 when every check passed, 1 otherwise.
Each line is printed as soon as its check ends, so a hard crash still shows how far it got.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app import APP_NAME, __version__
from app.core.resources import APP_ICON, is_frozen, missing_resources, resource_path, resource_root

log = logging.getLogger(__name__)

# Enough for the prompt and the few tokens generated; keeps the real model's cache small.
SELF_TEST_CONTEXT = 1024
SELF_TEST_TOKENS = 8


class CheckFailed(Exception):
    """A check found a problem; the message says what, in one line."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok' if self.ok else 'FAIL':<5}{self.name:<11}{self.detail}"


def _installation() -> str:
    where = (f"bundle {Path(sys.executable).parent}" if is_frozen()
             else f"source {Path(__file__).resolve().parents[2]}")
    return (f"{where}; Python {platform.python_version()} on {platform.system()} "
            f"{platform.machine()}")


def _resources() -> str:
    missing = missing_resources()
    if missing:
        raise CheckFailed(f"missing in {resource_root()}: {', '.join(missing)}")
    return f"all present in {resource_root()}"


def _needs_offscreen() -> bool:
    """No display to draw on: a Linux machine without X11 or Wayland (CI, a server, ssh)."""
    if "QT_QPA_PLATFORM" in os.environ or not sys.platform.startswith("linux"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _window() -> str:
    if _needs_offscreen():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion
    from PySide6.QtGui import QGuiApplication, QIcon, QImageReader

    from app.core.paths import AppPaths
    from app.ui.application import AppSession, create_application

    app = create_application()
    if b"svg" not in QImageReader.supportedImageFormats():
        raise CheckFailed("Qt's SVG image plugin is missing")
    if QIcon(str(resource_path(APP_ICON))).pixmap(64, 64).isNull():
        raise CheckFailed("the app icon does not render (Qt's SVG icon engine is missing?)")
    # The whole window with its store and engine thread, on a throwaway data folder.
    with tempfile.TemporaryDirectory(prefix="oss-chat-self-test-") as folder:
        session = AppSession.start(AppPaths.under(Path(folder)).ensure())
        try:
            if session.window.grab().isNull():  # draws every widget without showing them
                raise CheckFailed("the main window could not be drawn")
        finally:
            session.close()
            session.window.close()
            session.window.deleteLater()
        app.processEvents()
    return (f"main window drawn on the {QGuiApplication.platformName()} platform "
            f"(PySide6 {pyside_version}, Qt {qVersion()})")


def _llama_cpp() -> str:
    import llama_cpp

    library = Path(llama_cpp.llama_cpp._lib._name)
    info = llama_cpp.llama_print_system_info().decode("utf-8", errors="replace")
    # "CPU : SSE3 = 1 | AVX = 0 | …" -> the features that are on
    features = [part.split("=")[0].strip().split(":")[-1].strip()
                for part in info.split("|") if part.strip().endswith("= 1")]
    return (f"llama-cpp-python {llama_cpp.__version__}, {library.name} in {library.parent}; "
            f"features: {' '.join(features) or 'none reported'}")


def _backend() -> str:
    from app.core.engine.native import devices, supports_gpu_offload

    found = ", ".join(f"{d.name} ({d.kind}: {d.description})" for d in devices())
    offload = "GPU offload available" if supports_gpu_offload() else "CPU only (no GPU offload)"
    return f"{offload}; devices: {found or 'none reported'}"


def _model(path: Path) -> str:
    from app.core.engine.config import EngineConfig, SamplingConfig
    from app.core.engine.engine import Engine
    from app.core.harmony.prompt import Message, Prompt
    from app.core.modelfiles.gguf_info import ModelFileError

    if not path.is_file():
        raise CheckFailed(f"model file not found: {path}")
    engine = Engine()
    try:
        started = time.perf_counter()
        try:
            info = engine.load(path, EngineConfig(n_ctx=SELF_TEST_CONTEXT))
        except ModelFileError as exc:  # the file's fault, already said in the user's words
            raise CheckFailed(str(exc)) from exc
        loaded = time.perf_counter() - started
        prompt = Prompt(reasoning_effort="low",
                        messages=(Message(role="user", content="Say hello."),))
        result = engine.generate(prompt, SamplingConfig(max_tokens=SELF_TEST_TOKENS, seed=0))
    finally:
        engine.unload()  # frees the model now: a frozen app must not free it at exit
    stats = result.stats
    if stats.generated_tokens == 0:
        raise CheckFailed(f"{info.name} loaded but generated nothing")
    speed = f"{stats.decode_tok_s:.1f} tok/s" if stats.decode_tok_s else "too few for a rate"
    return (f"{info.name}: loaded in {loaded:.1f} s on {info.backend} ({info.device}); "
            f"{stats.generated_tokens} tokens, {speed}")


def _run_check(name: str, check: Callable[[], str]) -> CheckResult:
    try:
        result = CheckResult(name, True, check())
    except CheckFailed as exc:
        result = CheckResult(name, False, str(exc))
    except Exception as exc:  # any failure is a finding to report, not a crash
        log.exception("Self-test check %s failed", name)
        result = CheckResult(name, False, f"{type(exc).__name__}: {exc}")
    print(result.line(), flush=True)
    return result


def run_self_test(model: Path | None = None) -> int:
    """Run every check, print the report, return the exit status (0: all passed)."""
    print(f"{APP_NAME} {__version__} self-test", flush=True)
    checks: list[tuple[str, Callable[[], str]]] = [
        ("install", _installation),
        ("resources", _resources),
        ("window", _window),
        ("llama.cpp", _llama_cpp),
        ("backend", _backend),
    ]
    if model is not None:
        checks.append(("model", lambda: _model(model)))
    results = [_run_check(name, check) for name, check in checks]
    failed = [r.name for r in results if not r.ok]
    if failed:
        print(f"self-test FAILED: {', '.join(failed)}", flush=True)
        return 1
    print(f"self-test passed ({len(results)} checks)", flush=True)
    return 0
