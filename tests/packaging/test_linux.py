"""The Linux desktop files validate, and the .deb layout check catches what breaks a launcher."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import build_packages
import check_deb
import pytest

import app

LINUX = build_packages.LINUX
DESKTOP = LINUX / f"{app.APP_ID}.desktop"
METAINFO = LINUX / f"{app.APP_ID}.metainfo.xml"


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def _validate(tool: str, *args: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (.ci/run installs it)")
    result = subprocess.run([tool, *args], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_desktop_entry_validates() -> None:
    _validate("desktop-file-validate", str(DESKTOP))


def test_the_metainfo_validates() -> None:
    _validate("appstreamcli", "validate", "--no-net", str(METAINFO))


def test_desktop_entry_and_metainfo_use_the_one_app_id() -> None:
    entry = _desktop_entry()
    assert entry["Icon"] == app.APP_ID
    assert entry["Exec"] == app.APP_SLUG  # no %U: the app opens no files or URLs
    assert entry["StartupWMClass"] == app.APP_SLUG  # X11's WM_CLASS: the executable's name
    component = ET.parse(METAINFO).getroot()
    assert component.findtext("id") == app.APP_ID
    assert component.findtext("launchable") == DESKTOP.name
    assert component.findtext("provides/binary") == app.APP_SLUG


def test_the_newest_metainfo_release_is_this_version() -> None:
    releases = ET.parse(METAINFO).getroot().findall("releases/release")
    assert releases[0].get("version") == app.__version__


@pytest.fixture
def fake_bundle(tmp_path: Path) -> Path:
    """Just enough of a PyInstaller bundle to lay out a package around it."""
    bundle = tmp_path / "bundle"
    (bundle / "_internal").mkdir(parents=True)
    executable = bundle / app.APP_SLUG
    executable.write_text("#!/bin/sh\n")
    executable.chmod(0o755)
    return bundle


@pytest.fixture
def staged(fake_bundle: Path, icon_set, tmp_path: Path) -> Path:
    root = tmp_path / "root"
    build_packages.stage(fake_bundle, icon_set.pngs[16].parent, root,
                         build_packages.cfg.app_meta())
    return root


def _failures(root: Path) -> dict[str, str]:
    return {name: detail for name, ok, detail in check_deb.check_tree(root) if not ok}


def test_a_staged_tree_passes_every_check(staged: Path) -> None:
    assert _failures(staged) == {}
    assert (staged / "opt" / app.APP_SLUG / app.APP_SLUG).is_file()
    assert (staged / "usr" / "share" / "doc" / app.APP_SLUG / "copyright").is_file()


def test_a_launcher_pointing_nowhere_fails(staged: Path) -> None:
    (staged / "opt" / app.APP_SLUG / app.APP_SLUG).unlink()
    failures = _failures(staged)
    assert "not in the package" in failures["launcher"]
    assert "desktop" in failures


def test_a_missing_or_wrong_size_icon_fails(staged: Path, icon_set) -> None:
    hicolor = staged / "usr" / "share" / "icons" / "hicolor"
    shutil.copyfile(icon_set.pngs[16], hicolor / "48x48" / "apps" / f"{app.APP_ID}.png")
    assert "not 48x48" in _failures(staged)["icons"]
    (hicolor / "48x48" / "apps" / f"{app.APP_ID}.png").unlink()
    assert "no 48x48 icon" in _failures(staged)["icons"]


def test_a_desktop_entry_with_a_wrong_exec_fails(staged: Path) -> None:
    desktop = staged / "usr" / "share" / "applications" / f"{app.APP_ID}.desktop"
    desktop.write_text(desktop.read_text().replace("Exec=oss-chat", "Exec=osschat"))
    assert "Exec=osschat" in _failures(staged)["desktop"]


def test_a_model_inside_the_package_fails(staged: Path) -> None:
    (staged / "opt" / app.APP_SLUG / "_internal" / "gpt-oss-20b-mxfp4.gguf").write_bytes(b"GGUF")
    assert "contains a model" in _failures(staged)["no model"]


def test_the_check_unpacks_a_real_deb(staged: Path, tmp_path: Path, capsys) -> None:
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb is not installed")
    (staged / "DEBIAN").mkdir()
    (staged / "DEBIAN" / "control").write_text(build_packages.control(
        build_packages.cfg.app_meta(), "all", ["libc6"], 1))
    deb = tmp_path / "test.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(staged), str(deb)],
                   check=True, capture_output=True)
    assert check_deb.main([str(deb)]) == 0
    report = capsys.readouterr().out
    assert f"/usr/bin/{app.APP_SLUG} starts /opt/{app.APP_SLUG}/{app.APP_SLUG}" in report


def test_system_libraries_become_package_dependencies() -> None:
    depends = build_packages.dependencies({"libc.so.6", "libm.so.6", "libxcb-icccm.so.4",
                                           "libgtk-3.so.0"})
    assert depends == ["libc6", "libxcb-icccm4"]  # the GTK theme plugin is optional
    with pytest.raises(SystemExit, match=r"libunheard\.so\.7"):
        build_packages.dependencies({"libc.so.6", "libunheard.so.7"})


def test_only_libraries_missing_from_the_bundle_are_system_libraries(tmp_path: Path) -> None:
    import llama_cpp

    ggml = Path(llama_cpp.__file__).parent / "lib" / "libggml.so"
    if not ggml.is_file():
        pytest.skip("llama.cpp's libggml.so is not an ELF library on this platform")
    shutil.copyfile(ggml, tmp_path / "libggml.so")
    assert "libggml-base.so.0" in build_packages.system_libraries(tmp_path)
    (tmp_path / "libggml-base.so.0").write_bytes(b"")
    assert "libggml-base.so.0" not in build_packages.system_libraries(tmp_path)
