"""ModelLibrary: adding, validating, removing, the default, and surviving a damaged list."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from app.core.modelfiles.catalog import resolve
from app.core.modelfiles.download import ModelDownloader
from app.core.modelfiles.gguf_info import ModelFileError
from app.core.modelfiles.library import ModelLibrary
from app.core.paths import AppPaths
from tests.download.conftest import FAST_RETRY, REPO
from tests.download.fakehub import FakeHub
from tests.modelgen.gptoss import write_foreign_gguf


def test_add_file_references_a_valid_model_without_copying(
        app_paths: AppPaths, tiny_model: Path) -> None:
    library = ModelLibrary(app_paths)
    model = library.add_file(tiny_model)
    assert model.path == tiny_model
    assert (model.name, model.source, model.verified, model.usable) == \
        ("tiny-random-gpt-oss", "added", False, True)
    assert model.size == tiny_model.stat().st_size
    assert model.quantization == "F32"
    assert list(app_paths.models.iterdir()) == []
    assert library.add_file(tiny_model) == model  # adding twice keeps one entry
    assert library.models() == [model]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


INVALID: dict[str, tuple[Callable[[Path, bytes], Path], str]] = {
    "not GGUF": (lambda d, m: _write(d / "notes.gguf", b"PK\x03\x04 a zip file"),
                 "notes.gguf is not a GGUF model file"),
    "truncated": (lambda d, m: _write(d / "half.gguf", m[: len(m) * 99 // 100]),
                  "half.gguf is (damaged or )?incomplete"),
    "truncated header": (lambda d, m: _write(d / "head.gguf", m[:1000]),
                         "head.gguf is damaged or incomplete"),
    "wrong architecture": (lambda d, m: write_foreign_gguf(d / "llama.gguf", "llama"),
                           "architecture 'llama'; OSS Chat runs gpt-oss models only"),
    "partial download": (lambda d, m: _write(d / "x.gguf.part", m),
                         "x.gguf.part is an unfinished download"),
    "missing": (lambda d, m: d / "nowhere.gguf", "nowhere.gguf does not exist"),
    "split part missing": (lambda d, m: _write(d / "big-00001-of-00002.gguf", m),
                           "one part of a split model; missing: big-00002-of-00002.gguf"),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_files_are_refused_with_a_reason(
        app_paths: AppPaths, tiny_model: Path, tmp_path: Path, case: str) -> None:
    make, message = INVALID[case]
    path = make(tmp_path, tiny_model.read_bytes())
    library = ModelLibrary(app_paths)
    with pytest.raises(ModelFileError, match=message):
        library.add_file(path)
    assert library.models() == []
    assert not app_paths.model_library_file.exists()


def test_the_list_and_the_default_persist(app_paths: AppPaths, tiny_model: Path,
                                          tmp_path: Path) -> None:
    other = tmp_path / "second.gguf"
    other.write_bytes(tiny_model.read_bytes())
    library = ModelLibrary(app_paths)
    assert library.default is None
    first, second = library.add_file(tiny_model), library.add_file(other)
    library.set_default(second)
    again = ModelLibrary(app_paths)
    assert again.models() == [first, second]
    assert again.default == second
    assert json.loads(app_paths.model_library_file.read_text())["version"] == 1
    with pytest.raises(ModelFileError, match="not in the model list"):
        again.set_default(tmp_path / "unknown.gguf")


def test_removing_an_added_file_forgets_it_but_leaves_it_on_disk(
        app_paths: AppPaths, tiny_model: Path) -> None:
    library = ModelLibrary(app_paths)
    model = library.add_file(tiny_model)
    library.set_default(model)
    library.remove(model)
    assert tiny_model.is_file()
    assert ModelLibrary(app_paths).models() == []
    assert ModelLibrary(app_paths).default is None


def test_an_added_file_that_disappeared_is_listed_with_the_problem(
        app_paths: AppPaths, tiny_model: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.gguf"
    copy.write_bytes(tiny_model.read_bytes())
    ModelLibrary(app_paths).add_file(copy)
    copy.unlink()
    [model] = ModelLibrary(app_paths).models()
    assert not model.usable
    assert "copy.gguf" in (model.problem or "")


def test_removing_a_downloaded_model_deletes_its_files(
        fake_hub: FakeHub, app_paths: AppPaths) -> None:
    path = ModelDownloader(app_paths, retry=FAST_RETRY, disk_margin=0).download(resolve(REPO))
    library = ModelLibrary(app_paths)
    [model] = library.models()
    library.set_default(model)
    library.remove(model)
    assert not path.exists()
    assert not (app_paths.models / "ggml-org--gpt-oss-20b-GGUF").exists()
    assert ModelLibrary(app_paths).models() == []
    assert ModelLibrary(app_paths).default is None


def test_a_downloaded_file_changed_behind_our_back_is_not_usable(
        fake_hub: FakeHub, app_paths: AppPaths) -> None:
    path = ModelDownloader(app_paths, retry=FAST_RETRY, disk_margin=0).download(resolve(REPO))
    with path.open("ab") as f:
        f.write(b"extra")
    [model] = ModelLibrary(app_paths).models()
    assert (model.usable, model.verified) == (False, False)
    assert "changed since download" in (model.problem or "")


@pytest.mark.parametrize(("content", "tag", "why"), [
    ("{not json", "damaged", "was damaged"),
    ('["a list"]', "damaged", "was damaged"),
    ('{"version": 99, "added": []}', "newer", "was written by a newer version"),
])
def test_a_damaged_list_is_set_aside_and_the_library_starts_empty(
        app_paths: AppPaths, tiny_model: Path, content: str, tag: str, why: str) -> None:
    app_paths.model_library_file.write_text(content)
    library = ModelLibrary(app_paths)
    assert library.models() == []
    [notice] = library.notices
    assert why in notice and "a new one was started" in notice
    [aside] = app_paths.config.glob(f"models.json.{tag}-*")
    assert aside.read_text() == content
    library.add_file(tiny_model)  # and it keeps working
    assert [m.path for m in ModelLibrary(app_paths).models()] == [tiny_model]


def test_a_damaged_download_record_is_set_aside_too(fake_hub: FakeHub,
                                                   app_paths: AppPaths) -> None:
    ModelDownloader(app_paths, retry=FAST_RETRY, disk_margin=0).download(resolve(REPO))
    (app_paths.models / "downloads.json").write_text("\0\0\0")
    library = ModelLibrary(app_paths)
    assert library.models() == []
    assert any("list of downloaded models" in n for n in library.notices)
