"""Render the app icon's PNG sizes, the Windows .ico and the macOS .icns from the source SVG.

Qt draws every size from the vector (crisp small sizes, no system SVG tool needed); Pillow
only packs the finished images into .ico and .icns. Run by the PyInstaller spec before
bundling, and usable alone: `python packaging/make_icons.py OUT_DIR [--svg FILE]`.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE_SVG = ROOT / "resources" / "icons" / "oss-chat.svg"
STEM = "oss-chat"
# hicolor theme sizes; 1024 only feeds the .icns (Retina 512@2x).
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)


@dataclass(frozen=True)
class IconSet:
    pngs: dict[int, Path]
    ico: Path
    icns: Path
    svg: Path


def png_name(size: int) -> str:
    return f"{STEM}-{size}.png"


def _render(svg: Path, sizes: set[int], out_dir: Path) -> dict[int, Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not a valid SVG")
    written: dict[int, Path] = {}
    for size in sorted(sizes):
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = out_dir / png_name(size)
        if not image.save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        written[size] = path
    return written


def build_icons(out_dir: Path, svg: Path = SOURCE_SVG) -> IconSet:
    """Write `oss-chat-N.png` for every size, `oss-chat.ico` and `oss-chat.icns` into out_dir."""
    from PIL import Image

    out_dir.mkdir(parents=True, exist_ok=True)
    rendered = _render(svg, set(PNG_SIZES) | set(ICO_SIZES) | set(ICNS_SIZES), out_dir)
    images = {size: Image.open(path) for size, path in rendered.items()}
    ico = out_dir / f"{STEM}.ico"
    largest = images[max(ICO_SIZES)]
    largest.save(ico, format="ICO", sizes=[(s, s) for s in ICO_SIZES],
                 append_images=[images[s] for s in ICO_SIZES])
    icns = out_dir / f"{STEM}.icns"
    images[max(ICNS_SIZES)].save(icns, format="ICNS",
                                 append_images=[images[s] for s in ICNS_SIZES])
    for image in images.values():
        image.close()
    extra = set(rendered) - set(PNG_SIZES)
    for size in extra:
        rendered.pop(size).unlink()
    return IconSet(pngs=rendered, ico=ico, icns=icns, svg=svg)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--svg", type=Path, default=SOURCE_SVG)
    args = parser.parse_args(argv)
    icons = build_icons(args.out_dir, args.svg)
    print(f"icons: {len(icons.pngs)} PNG sizes, {icons.ico.name}, {icons.icns.name} "  # noqa: T201
          f"in {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
