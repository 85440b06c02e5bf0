"""The build renders every icon size from the source SVG, and packs .ico and .icns."""

from __future__ import annotations

from make_icons import ICNS_SIZES, ICO_SIZES, PNG_SIZES
from PIL import Image
from PySide6.QtGui import QImage


def test_every_png_size_is_rendered_at_its_size(icon_set) -> None:
    assert sorted(icon_set.pngs) == sorted(PNG_SIZES)
    for size, path in icon_set.pngs.items():
        image = QImage(str(path))
        assert (image.width(), image.height()) == (size, size)
        assert image.hasAlphaChannel()
        corner, centre = image.pixelColor(0, 0), image.pixelColor(size // 2, size // 2)
        assert corner.alpha() == 0 and centre.alpha() == 255  # rounded, drawn, not blank


def test_the_ico_holds_the_windows_sizes(icon_set) -> None:
    with Image.open(icon_set.ico) as ico:
        assert sorted(ico.ico.sizes()) == [(s, s) for s in ICO_SIZES]


def test_the_icns_holds_the_macos_sizes_up_to_retina_512(icon_set) -> None:
    with Image.open(icon_set.icns) as icns:
        sizes = {(w * scale) for w, _, scale in icns.info["sizes"]}
    assert sizes >= {s for s in ICNS_SIZES if s >= 32}
