"""Build the Linux .deb and .tar.gz from the PyInstaller bundle (the last step of `make package`).

The .deb installs the bundle to /opt/oss-chat, a launcher to /usr/bin, the desktop entry,
hicolor icons and AppStream metadata; desktop and icon caches are refreshed by the dpkg
triggers of desktop-file-utils and hicolor-icon-theme, so no maintainer scripts are needed.

PyInstaller bundles every library it finds on the build machine except the ones a desktop
system must provide itself (libc, OpenGL/EGL, the X11 and Wayland connections). Those become
the package's dependencies through `SYSTEM_LIBRARIES`; a library the bundle needs that is
neither bundled nor listed there stops the build, so a Qt upgrade cannot quietly produce a
package that installs but does not start.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import bundle_config as cfg
from make_icons import PNG_SIZES, png_name

LINUX = cfg.PACKAGING / "linux"
DESCRIPTION = """Private, offline chat with gpt-oss
 OSS Chat is a desktop chat app for OpenAI's open-weight model gpt-oss-20b,
 running locally through llama.cpp: no account, no cloud. The model (about
 12 GB) is downloaded on first run and is not part of this package."""
MAINTAINER = os.environ.get("DEB_MAINTAINER", "The OSS Chat developers <packaging@osschat.org>")

# soname -> Debian package providing it, for libraries PyInstaller leaves to the system.
# None: no dependency (an optional plugin's library, or the GPU driver).
SYSTEM_LIBRARIES: dict[str, str | None] = {
    **dict.fromkeys(("libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1",
                     "libresolv.so.2", "libutil.so.1", "ld-linux-x86-64.so.2",
                     "ld-linux-aarch64.so.1"), "libc6"),
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libGLdispatch.so.0": "libglvnd0",
    "libOpenGL.so.0": "libopengl0",
    "libEGL.so.1": "libegl1",
    "libdrm.so.2": "libdrm2",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libvulkan.so.1": "libvulkan1",  # a Vulkan build of llama.cpp
    "libgtk-3.so.0": None,
    "libgdk-3.so.0": None,
    "libcuda.so.1": None,  # a CUDA build: the NVIDIA driver is the user's, never a dependency
}


def deb_architecture() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                          check=True).stdout.strip()


def deb_path(out_dir: Path, meta: cfg.AppMeta, arch: str) -> Path:
    return out_dir / f"{meta.slug}_{meta.version}_{arch}.deb"


def tarball_path(out_dir: Path, meta: cfg.AppMeta) -> Path:
    return out_dir / f"{meta.slug}-{meta.version}-linux-{os.uname().machine}.tar.gz"


def _elf_files(folder: Path) -> list[Path]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as f:
                if f.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def system_libraries(bundle: Path) -> set[str]:
    """Sonames the bundle's binaries load that the bundle does not carry."""
    from PyInstaller.depend.bindepend import get_imports

    present = {p.name for p in bundle.rglob("*")}
    return {name for elf in _elf_files(bundle) for name, _ in get_imports(str(elf))
            if name not in present}


def dependencies(sonames: set[str]) -> list[str]:
    """The Depends list for these sonames; SystemExit naming any soname without a package."""
    unknown = sorted(s for s in sonames if s not in SYSTEM_LIBRARIES)
    if unknown:
        raise SystemExit("The bundle needs system libraries with no known Debian package: "
                         f"{', '.join(unknown)}. Add them to SYSTEM_LIBRARIES in {__file__}.")
    return sorted({p for s in sonames if (p := SYSTEM_LIBRARIES[s]) is not None})


def _install(source: Path, target: Path, mode: int = 0o644) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(mode)


def stage(bundle: Path, icons: Path, root: Path, meta: cfg.AppMeta) -> None:
    """Lay out the installed file tree under `root`."""
    app_dir = root / "opt" / meta.slug
    shutil.copytree(bundle, app_dir, symlinks=True)
    _install(LINUX / "oss-chat.sh", root / "usr" / "bin" / meta.slug, 0o755)
    share = root / "usr" / "share"
    _install(LINUX / f"{meta.app_id}.desktop", share / "applications" / f"{meta.app_id}.desktop")
    _install(LINUX / f"{meta.app_id}.metainfo.xml",
             share / "metainfo" / f"{meta.app_id}.metainfo.xml")
    hicolor = share / "icons" / "hicolor"
    for size in PNG_SIZES:
        _install(icons / png_name(size), hicolor / f"{size}x{size}" / "apps" / f"{meta.app_id}.png")
    _install(cfg.ROOT / "resources" / "icons" / "oss-chat.svg",
             hicolor / "scalable" / "apps" / f"{meta.app_id}.svg")
    doc = share / "doc" / meta.slug
    _install(LINUX / "copyright", doc / "copyright")
    _normalise_modes(root)


def _normalise_modes(root: Path) -> None:
    """0755 for folders and executables, 0644 for the rest, whatever the umask was."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        executable = path.is_dir() or path.stat().st_mode & 0o111
        path.chmod(0o755 if executable else 0o644)


def _installed_size_kib(root: Path) -> int:
    return sum(-(-p.lstat().st_size // 1024) for p in root.rglob("*") if not p.is_dir())


def control(meta: cfg.AppMeta, arch: str, depends: list[str], installed_kib: int) -> str:
    return "\n".join([
        f"Package: {meta.slug}",
        f"Version: {meta.version}",
        f"Architecture: {arch}",
        f"Maintainer: {MAINTAINER}",
        f"Installed-Size: {installed_kib}",
        f"Depends: {', '.join(depends)}",
        "Suggests: libgtk-3-0",
        "Section: utils",
        "Priority: optional",
        f"Description: {DESCRIPTION}",
        "",
    ])


def build_deb(bundle: Path, icons: Path, out_dir: Path, work: Path) -> Path:
    meta = cfg.app_meta()
    arch = deb_architecture()
    root = work / "deb-root"
    if root.exists():
        shutil.rmtree(root)
    stage(bundle, icons, root, meta)
    depends = dependencies(system_libraries(root / "opt" / meta.slug))
    debian = root / "DEBIAN"
    debian.mkdir()
    (debian / "control").write_text(control(meta, arch, depends, _installed_size_kib(root)))
    target = deb_path(out_dir, meta, arch)
    # zstd: seconds where xz takes minutes, for a package 20 % larger; dpkg reads it since
    # Debian 12 and Ubuntu 21.10.
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zzstd", "-z9", "--build", str(root),
                    str(target)], check=True, stdout=subprocess.DEVNULL)
    return target


def build_tarball(bundle: Path, out_dir: Path) -> Path:
    """The bundle folder as `oss-chat/…`, owned by root, for distributions without dpkg."""
    meta = cfg.app_meta()
    target = tarball_path(out_dir, meta)

    def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(target, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=meta.slug, filter=owned_by_root)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the .deb and .tar.gz from the bundle.")
    parser.add_argument("--bundle", type=Path, default=cfg.ROOT / "dist" / "oss-chat")
    parser.add_argument("--icons", type=Path, default=cfg.ICONS_BUILD_DIR)
    parser.add_argument("--out", type=Path, default=cfg.ROOT / "dist")
    parser.add_argument("--work", type=Path, default=cfg.ROOT / "build" / "linux")
    args = parser.parse_args(argv)
    if not (args.bundle / "oss-chat").is_file():
        parser.error(f"no bundle at {args.bundle}: run PyInstaller first (make package)")
    args.work.mkdir(parents=True, exist_ok=True)
    for built in (build_deb(args.bundle, args.icons, args.out, args.work),
                  build_tarball(args.bundle, args.out)):
        print(f"{built}  {built.stat().st_size / 2**20:.1f} MiB")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
