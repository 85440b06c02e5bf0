"""dmgbuild settings for the OSS Chat disk image: the app and a link to /Applications.

    python -m dmgbuild -s packaging/macos/dmg_settings.py \
        -D app="dist/OSS Chat.app" -D icon=build/icons/oss-chat.icns "OSS Chat" OUT.dmg

dmgbuild runs this file with `defines` (the -D values) in its namespace.
"""

import os.path

_defines: dict[str, str] = globals().get("defines", {})
application = _defines.get("app", "dist/OSS Chat.app")
app_name = os.path.basename(application)

format = "ULFO"  # lzfse: smaller than zlib, readable on every macOS the app supports
filesystem = "HFS+"
size = None  # computed from the contents
files = [application]
symlinks = {"Applications": "/Applications"}
icon = _defines.get("icon")  # the volume's icon: the app icon when given
default_view = "icon-view"
show_status_bar = False
show_toolbar = False
show_pathbar = False
show_sidebar = False
window_rect = ((200, 160), (600, 340))
icon_size = 128
text_size = 13
icon_locations = {app_name: (150, 150), "Applications": (450, 150)}
