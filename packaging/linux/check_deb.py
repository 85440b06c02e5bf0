"""Check an installed file tree of the .deb: every path the desktop relies on must resolve.

`python packaging/linux/check_deb.py [PACKAGE.deb | UNPACKED_ROOT]` (default: this version's
.deb in dist/) unpacks the .deb into a temporary root (dpkg-deb -x; nothing is installed) and
checks, relative to that root:
- /usr/bin/oss-chat is an executable launcher whose target exists and is executable;
- the desktop entry is named after the app id, its Exec finds the launcher, its Icon finds
  hicolor icons (every PNG size, each really that size, and the scalable SVG), and its
  StartupWMClass is the name of the executable the launcher starts;
- the AppStream metadata names the same id, desktop entry and binary;
- no model file is inside;
- the desktop entry and metadata pass desktop-file-validate and appstreamcli when installed.
Prints one line per check; exit status 0 when all pass, 1 otherwise.
"""

from __future__ import annotations

import argparse
import configparser
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import bundle_config as cfg
from make_icons import PNG_SIZES


class LayoutError(Exception):
    """One thing wrong in the tree, in one line."""


def _inside(root: Path, absolute: str) -> Path:
    return root / absolute.lstrip("/")


def _launcher_target(root: Path, meta: cfg.AppMeta) -> Path:
    launcher = root / "usr" / "bin" / meta.slug
    if not launcher.is_file() or not launcher.stat().st_mode & 0o111:
        raise LayoutError(f"/usr/bin/{meta.slug} is missing or not executable")
    for line in launcher.read_text().splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["exec"] and len(words) > 1:
            target = _inside(root, words[1])
            if not target.is_file() or not target.stat().st_mode & 0o111:
                raise LayoutError(f"the launcher starts {words[1]}, which is not in the package")
            return target
    raise LayoutError(f"/usr/bin/{meta.slug} has no exec line")


def check_launcher(root: Path, meta: cfg.AppMeta) -> str:
    target = _launcher_target(root, meta)
    return f"/usr/bin/{meta.slug} starts /{target.relative_to(root)}"


def _desktop_entry(root: Path, meta: cfg.AppMeta) -> configparser.SectionProxy:
    path = root / "usr" / "share" / "applications" / f"{meta.app_id}.desktop"
    if not path.is_file():
        raise LayoutError(f"no desktop entry at /{path.relative_to(root)}")
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def check_desktop_exec(root: Path, meta: cfg.AppMeta) -> str:
    entry = _desktop_entry(root, meta)
    program = shlex.split(entry.get("Exec", ""))[:1]
    if not program:
        raise LayoutError("the desktop entry has no Exec")
    found = (_inside(root, program[0]) if program[0].startswith("/")
             else root / "usr" / "bin" / program[0])
    if not found.is_file():
        raise LayoutError(f"Exec={program[0]} is not in /usr/bin of the package")
    target = _launcher_target(root, meta)
    wm_class = entry.get("StartupWMClass")
    if wm_class is not None and wm_class != target.name:
        raise LayoutError(f"StartupWMClass={wm_class}, but the window's class is {target.name}")
    return f"Exec={entry['Exec']} resolves; StartupWMClass={wm_class}"


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        raise LayoutError(f"/{path} is not a PNG")
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def check_icons(root: Path, meta: cfg.AppMeta) -> str:
    icon = _desktop_entry(root, meta).get("Icon", "")
    if icon != meta.app_id:
        raise LayoutError(f"Icon={icon}, expected the app id {meta.app_id}")
    hicolor = root / "usr" / "share" / "icons" / "hicolor"
    for size in PNG_SIZES:
        png = hicolor / f"{size}x{size}" / "apps" / f"{icon}.png"
        if not png.is_file():
            raise LayoutError(f"no {size}x{size} icon at /{png.relative_to(root)}")
        if _png_size(png) != (size, size):
            raise LayoutError(f"/{png.relative_to(root)} is {_png_size(png)}, not {size}x{size}")
    svg = hicolor / "scalable" / "apps" / f"{icon}.svg"
    if not svg.is_file():
        raise LayoutError(f"no scalable icon at /{svg.relative_to(root)}")
    return f"Icon={icon}: {len(PNG_SIZES)} PNG sizes and the SVG in hicolor"


def check_metainfo(root: Path, meta: cfg.AppMeta) -> str:
    path = root / "usr" / "share" / "metainfo" / f"{meta.app_id}.metainfo.xml"
    if not path.is_file():
        raise LayoutError(f"no AppStream metadata at /{path.relative_to(root)}")
    component = ET.parse(path).getroot()
    expected = {
        "id": meta.app_id,
        "launchable": f"{meta.app_id}.desktop",
        "provides/binary": meta.slug,
    }
    for tag, value in expected.items():
        found = component.findtext(tag)
        if found != value:
            raise LayoutError(f"metainfo <{tag}> is {found!r}, expected {value!r}")
    return f"/{path.relative_to(root)} names {meta.app_id}"


def check_no_model(root: Path, meta: cfg.AppMeta) -> str:
    models = cfg.models_in(root)
    if models:
        raise LayoutError(f"the package contains a model: /{models[0].relative_to(root)}")
    return "no model file inside"


def check_validators(root: Path, meta: cfg.AppMeta) -> str:
    share = root / "usr" / "share"
    tools = [
        ("desktop-file-validate", [str(share / "applications" / f"{meta.app_id}.desktop")]),
        ("appstreamcli", ["validate", "--no-net",
                          str(share / "metainfo" / f"{meta.app_id}.metainfo.xml")]),
    ]
    ran = []
    for tool, args in tools:
        if shutil.which(tool) is None:
            continue
        result = subprocess.run([tool, *args], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise LayoutError(f"{tool} failed: {(result.stdout + result.stderr).strip()}")
        ran.append(tool)
    return f"passed {' and '.join(ran)}" if ran else "skipped (no validators installed)"


CHECKS: list[tuple[str, Callable[[Path, cfg.AppMeta], str]]] = [
    ("launcher", check_launcher),
    ("desktop", check_desktop_exec),
    ("icons", check_icons),
    ("metainfo", check_metainfo),
    ("no model", check_no_model),
    ("validate", check_validators),
]


def check_tree(root: Path, meta: cfg.AppMeta | None = None) -> list[tuple[str, bool, str]]:
    """Run every check on an unpacked tree: (name, passed, detail) for each."""
    meta = meta or cfg.app_meta()
    results = []
    for name, check in CHECKS:
        try:
            results.append((name, True, check(root, meta)))
        except LayoutError as exc:
            results.append((name, False, str(exc)))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, nargs="?",
                        help="a .deb, or a folder it was unpacked into")
    args = parser.parse_args(argv)
    if args.package is None:
        meta = cfg.app_meta()
        built = sorted((cfg.ROOT / "dist").glob(f"{meta.slug}_{meta.version}_*.deb"))
        if len(built) != 1:
            parser.error(f"expected one {meta.slug} {meta.version} .deb in dist/, found "
                         f"{len(built)}: run make package, or name the .deb")
        args.package = built[0]
    with tempfile.TemporaryDirectory(prefix="oss-chat-deb-") as temp:
        root = args.package
        if root.is_file():
            root = Path(temp)
            subprocess.run(["dpkg-deb", "-x", str(args.package), str(root)], check=True)
        results = check_tree(root)
    for name, ok, detail in results:
        print(f"{'ok' if ok else 'FAIL':<5}{name:<10}{detail}")  # noqa: T201
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
