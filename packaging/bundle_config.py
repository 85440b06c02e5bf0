"""What goes into the OSS Chat bundle: read by `oss-chat.spec`, checked by the tests.

The spec itself stays a short list of PyInstaller calls; the decisions live here, as plain
functions the tests can call without running a build:
- llama-cpp-python loads its native libraries with ctypes from `llama_cpp/lib/`, which
  PyInstaller's import analysis cannot see: they are collected explicitly, where the
  bindings look for them.
- The CLI imports its commands by name (`app.cli.COMMANDS`): every `app` module is a
  hidden import.
- The app uses QtCore, QtGui, QtWidgets and QtSvg (through Qt's SVG plugins) only; the QML,
  Quick, 3D, web and multimedia stacks that PySide6 ships are kept out of the bundle.
- The Python tool runs the model's code with the bundle's own interpreter
  (`oss-chat --python-kernel`), so the bundle carries the whole standard library, not only
  the modules the app itself imports.
- A model never goes into the bundle: users download it on first run.

`packaging/` is deliberately not a Python package (a `packaging/__init__.py` would shadow the
`packaging` library that pip, setuptools and PyInstaller import).
"""

from __future__ import annotations

import importlib.util
import pkgutil
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
ICONS_BUILD_DIR = ROOT / "build" / "icons"
MODEL_SUFFIXES = (".gguf", ".safetensors")
MIN_MACOS = "12.0"

# Python modules the app never imports but that hooks or optional imports would pull in.
EXCLUDES = [
    "tkinter",
    "PIL",  # only optional image support in huggingface_hub and pygments
    "PySide6.QtNetwork",
    "PySide6.QtDBus",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickWidgets",
    "PySide6.QtQuick3D",
    "PySide6.Qt3DCore",
    "PySide6.Qt3DRender",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtMultimedia",
    "PySide6.QtPdf",
    "PySide6.QtDesigner",
    "PySide6.QtUiTools",
    "PySide6.QtHelp",
    "PySide6.QtTest",
    "PySide6.QtSql",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
]


# Standard-library modules that are no use to code the model writes: GUI toolkits and
# demos, build and packaging tools, Python's own test suite, and the Unix account modules
# removed in Python 3.13 (their system libraries would become package dependencies).
NOT_FOR_THE_PYTHON_TOOL = frozenset({
    "tkinter", "turtle", "turtledemo", "idlelib", "lib2to3", "ensurepip", "venv", "distutils",
    "pydoc_data", "antigravity", "this", "test", "crypt", "nis", "spwd",
})


@dataclass(frozen=True)
class AppMeta:
    """The identity every platform's package shares, read from the `app` package itself."""

    name: str  # "OSS Chat"
    slug: str  # "oss-chat": executable, folder and package name
    app_id: str  # reverse-DNS id: desktop entry, bundle id, AppStream id, AppUserModelID
    version: str


def app_meta() -> AppMeta:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import app

    return AppMeta(name=app.APP_NAME, slug=app.APP_SLUG, app_id=app.APP_ID,
                   version=app.__version__)


def native_libraries() -> list[tuple[str, str]]:
    """llama.cpp's shared libraries as (source, bundle folder) pairs for `Analysis(binaries=…)`.

    They land in `llama_cpp/lib` inside the bundle, the folder the bindings search.
    """
    from PyInstaller.utils.hooks import collect_dynamic_libs

    found = collect_dynamic_libs("llama_cpp")
    if not any(is_llama_library(Path(source).name) for source, _ in found):
        raise SystemExit("llama-cpp-python's native libraries were not found: is it installed?")
    return found


def is_llama_library(name: str) -> bool:
    return re.fullmatch(r"(lib)?llama\.(so|dylib|dll)", name) is not None


def data_files() -> list[tuple[str, str]]:
    """The resource folder, at `resources/` in the bundle (see `app.core.resources`)."""
    return [(str(ROOT / "resources"), "resources")]


def hidden_imports() -> list[str]:
    from PyInstaller.utils.hooks import collect_submodules

    return collect_submodules("app") + standard_library()


def standard_library() -> list[str]:
    """Every standard-library module of this Python that code run by the Python tool may
    import (`NOT_FOR_THE_PYTHON_TOOL` aside), packages with all their submodules."""
    found: list[str] = []
    for name in sorted(sys.stdlib_module_names):
        if name.startswith("_") or name in NOT_FOR_THE_PYTHON_TOOL:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None:  # another platform's module (winreg, msvcrt, …)
            continue
        found.append(name)
        if spec.submodule_search_locations:
            found += [module.name for module in pkgutil.walk_packages(
                spec.submodule_search_locations, prefix=f"{name}.", onerror=lambda _: None)
                if not {"test", "tests", "idle_test", "__main__"} & set(module.name.split("."))]
    return found


def render_icons() -> None:
    """Render the icons into ICONS_BUILD_DIR, in a process of its own: Qt draws them, and a
    QGuiApplication has no place inside PyInstaller's process."""
    subprocess.run([sys.executable, str(PACKAGING / "make_icons.py"), str(ICONS_BUILD_DIR)],
                   check=True)


def icon_file(kind: str) -> Path:
    """The icon the build generated: kind "ico" (Windows) or "icns" (macOS)."""
    return ICONS_BUILD_DIR / f"oss-chat.{kind}"


def macos_info_plist(meta: AppMeta) -> dict[str, Any]:
    """Info.plist keys beyond the ones BUNDLE writes (bundle id, name, version, icon)."""
    return {
        "CFBundleDisplayName": meta.name,
        "CFBundleName": meta.name,
        "CFBundleShortVersionString": meta.version,
        "CFBundleVersion": meta.version,
        "LSMinimumSystemVersion": MIN_MACOS,
        "LSApplicationCategoryType": "public.app-category.productivity",
        "NSHighResolutionCapable": True,
        "NSRequiresAquaSystemAppearance": False,  # follow the system's dark mode
        "NSHumanReadableCopyright": "MIT License",
    }


def windows_version_info(meta: AppMeta) -> Any:
    """The version resource Explorer shows under Properties → Details (Windows builds only)."""
    from PyInstaller.utils.win32.versioninfo import (
        FixedFileInfo,
        StringFileInfo,
        StringStruct,
        StringTable,
        VarFileInfo,
        VarStruct,
        VSVersionInfo,
    )

    numbers = tuple(int(n) for n in re.findall(r"\d+", meta.version)[:3])
    numbers = (*numbers, *(0,) * (4 - len(numbers)))
    strings = [
        StringStruct("CompanyName", meta.name),
        StringStruct("FileDescription", meta.name),
        StringStruct("FileVersion", meta.version),
        StringStruct("InternalName", meta.slug),
        StringStruct("OriginalFilename", f"{meta.slug}.exe"),
        StringStruct("ProductName", meta.name),
        StringStruct("ProductVersion", meta.version),
    ]
    return VSVersionInfo(
        ffi=FixedFileInfo(filevers=numbers, prodvers=numbers),
        kids=[StringFileInfo([StringTable("040904B0", strings)]),
              VarFileInfo([VarStruct("Translation", [0x0409, 1200])])],
    )


def models_in(folder: Path) -> list[Path]:
    """Model files inside a built bundle; there must be none."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in MODEL_SUFFIXES)


def check_bundle(folder: Path) -> None:
    """Fail the build when the bundle lacks llama.cpp (or CUDA's runtime) or carries a model.

    A CUDA build of llama.cpp needs the CUDA runtime and cuBLAS next to it; PyInstaller finds
    them only when the toolkit's DLL folder is on PATH during the build.
    """
    names = [p.name.lower() for p in folder.rglob("*")]
    if not any(is_llama_library(name) for name in names):
        raise SystemExit(f"{folder}: llama.cpp's library is missing from the bundle")
    if any("ggml-cuda" in name for name in names):
        for runtime in ("cudart", "cublas"):
            if not any(runtime in name for name in names):
                raise SystemExit(f"{folder}: a CUDA build without the {runtime} library "
                                 "(put the CUDA toolkit's DLL folder on PATH and rebuild)")
    models = models_in(folder)
    if models:
        raise SystemExit(f"{folder}: a bundle must not contain a model: {models[0]}")
