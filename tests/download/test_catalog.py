"""Resolving a model through the real Hub client against the fake Hub, and choosing files."""

from __future__ import annotations

import socket

import pytest

from app.core.engine.memory import GIB, Fit
from app.core.modelfiles.catalog import (
    GPT_OSS_20B,
    GPT_OSS_120B,
    ResolvedModel,
    choose_files,
    memory_fit,
    offered_models,
    resolve,
)
from app.core.modelfiles.errors import (
    ConnectionFailed,
    DownloadError,
    HubOffline,
    NotFound,
    ServerError,
)
from tests.download.conftest import FILE, REPO
from tests.download.fakehub import COMMIT, FakeHub

SPLIT = [f"gpt-oss-120b-mxfp4-0000{i}-of-00003.gguf" for i in (1, 2, 3)]


def test_resolve_gives_exact_files_sizes_checksums_and_commit(
        fake_hub: FakeHub, model_bytes: bytes, model_sha: str) -> None:
    resolved = resolve(REPO)
    assert resolved.repo == REPO
    assert resolved.revision == COMMIT
    assert [f.name for f in resolved.files] == [FILE]
    assert resolved.primary.size == len(model_bytes) == resolved.total_bytes
    assert resolved.primary.sha256 == model_sha
    assert resolved.name == "gpt-oss-20b-MXFP4"
    assert ResolvedModel.from_dict(resolved.to_dict()) == resolved


def test_resolve_pins_an_explicit_revision(fake_hub: FakeHub) -> None:
    resolved = resolve(REPO, revision=COMMIT)
    assert resolved.revision == COMMIT
    assert fake_hub.api_calls[-1].startswith(f"/api/models/{REPO}/revision/{COMMIT}")


def test_resolve_matches_a_file_name_case_insensitively(fake_hub: FakeHub) -> None:
    assert resolve(REPO, file=FILE.lower()).primary.name == FILE


def test_resolve_a_split_model_gives_all_parts_in_order(fake_hub: FakeHub) -> None:
    fake_hub.add(GPT_OSS_120B.repo, {name: name.encode() * 10 for name in reversed(SPLIT)})
    resolved = resolve(GPT_OSS_120B.repo)
    assert [f.name for f in resolved.files] == SPLIT
    assert resolved.name == "gpt-oss-120b-mxfp4"
    assert [f.name for f in resolve(GPT_OSS_120B.repo, file=SPLIT[2]).files] == SPLIT


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"repo": "nobody/nothing"}, "nobody/nothing was not found on Hugging Face"),
    ({"repo": REPO, "revision": "v9"}, "revision does not exist"),
    ({"repo": REPO, "file": "other.gguf"}, f"{REPO} has no file other.gguf. Its GGUF files: "
                                           f"{FILE}"),
])
def test_resolve_says_what_was_not_found(fake_hub: FakeHub, kwargs: dict[str, str],
                                         message: str) -> None:
    with pytest.raises(NotFound, match=message) as caught:
        resolve(**kwargs)
    assert not caught.value.retryable


def test_resolve_reports_server_errors(fake_hub: FakeHub) -> None:
    fake_hub.fail_status, fake_hub.fail_api = 500, True
    with pytest.raises(ServerError, match=r"having problems \(HTTP 500\)"):
        resolve(REPO)


def test_resolve_without_a_network(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:  # a port with nothing listening: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    with pytest.raises(ConnectionFailed, match="no network connection"):
        resolve(REPO, timeout=2)


def test_resolve_in_offline_mode_asks_nothing(fake_hub: FakeHub,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(HubOffline, match="Offline mode is on"):
        resolve(REPO)
    assert fake_hub.api_calls == []


def test_choose_files_prefers_mxfp4_in_any_case() -> None:
    names = ["README.md", "gpt-oss-20b-Q4_K_M.gguf", "gpt-oss-20b-mxfp4.gguf", "x.gguf.json"]
    assert choose_files(names, "r") == ["gpt-oss-20b-mxfp4.gguf"]
    assert choose_files(["a.GGUF"], "r") == ["a.GGUF"]
    assert choose_files(["sub/Model-MXFP4.gguf", "sub/other.gguf"], "r") == \
        ["sub/Model-MXFP4.gguf"]


def test_choose_files_refuses_missing_ambiguous_and_incomplete_sets() -> None:
    with pytest.raises(NotFound, match="no GGUF model files"):
        choose_files(["README.md"], "r")
    with pytest.raises(DownloadError, match="several GGUF models; choose one with --file"):
        choose_files(["a-q8.gguf", "b-q4.gguf"], "r")
    with pytest.raises(NotFound, match=r"incomplete on the Hub \(2 of 3 parts\)"):
        choose_files(SPLIT[:2], "r")


def test_memory_fit_label_before_download() -> None:
    model = ResolvedModel.from_dict({"repo": GPT_OSS_20B.repo, "revision": COMMIT, "files": [
        {"name": "gpt-oss-20b-mxfp4.gguf", "size": GPT_OSS_20B.approx_bytes, "sha256": "0"}]})
    roomy = memory_fit(model, available=64 * GIB)
    assert roomy is not None and roomy.fit is Fit.FITS
    assert 12 * GIB < roomy.total_bytes < 16 * GIB
    small = memory_fit(model, available=8 * GIB)
    assert small is not None and small.fit is Fit.WONT_FIT
    other = ResolvedModel.from_dict({**model.to_dict(), "repo": "someone/else"})
    assert memory_fit(other) is None


def test_the_larger_model_is_offered_only_where_it_fits() -> None:
    assert offered_models(available=16 * GIB) == [GPT_OSS_20B]
    assert offered_models(available=128 * GIB) == [GPT_OSS_20B, GPT_OSS_120B]
