"""The set-up view's words for progress, time left, disk space and memory fit."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.engine.memory import Fit, MemoryEstimate
from app.core.modelfiles.catalog import RemoteFile, ResolvedModel
from app.core.modelfiles.download import DiskCheck
from app.core.modelfiles.progress import DOWNLOADING, VERIFYING
from app.ui.setup import wording

GB = 1000**3


@pytest.mark.parametrize(("seconds", "text"), [
    (None, ""), (-1.0, ""), (0.0, "0 s left"), (44.6, "45 s left"), (59.4, "59 s left"),
    (60.0, "1 min left"), (240.0, "4 min left"), (3599.0, "1 h left"),
    (3900.0, "1 h 5 min left"), (7200.0, "2 h left"),
])
def test_time_left(seconds: float | None, text: str) -> None:
    assert wording.time_left(seconds) == text


def test_progress_text_grows_as_speed_and_time_become_known() -> None:
    assert wording.progress_text(0, 12_109_566_624) == "0 bytes of 12.1 GB"
    assert wording.progress_text(3_100_000_000, 12_109_566_624, 45_000_000, 240.0,
                                 phase=DOWNLOADING) == "3.1 GB of 12.1 GB · 45.0 MB/s · 4 min left"
    assert wording.progress_text(3_100_000_000, 12_109_566_624, 45_000_000, None) == \
        "3.1 GB of 12.1 GB · 45.0 MB/s"
    assert wording.progress_text(6 * GB, 12 * GB, 300_000_000, 20.0, phase=VERIFYING) == \
        "Verifying the download · 6.0 GB of 12.0 GB"


def test_sizes_and_disk_space() -> None:
    split = ResolvedModel("o/r", "c" * 40, tuple(RemoteFile(f"m-0000{i}-of-00003.gguf",
                                                            21 * GB, "0" * 64)
                                                 for i in (1, 2, 3)))
    assert wording.size_text(split) == "Size: 63.0 GB in 3 files"
    assert wording.approximate_size_text(12_109_566_624) == "Size: about 12.1 GB"
    enough = DiskCheck(Path("/m"), needed=12 * GB, margin=GB // 2, free=80 * GB)
    assert wording.disk_text(enough) == "Disk: enough space (80.0 GB free)"
    short = DiskCheck(Path("/m"), needed=12 * GB, margin=GB // 2, free=4 * GB)
    assert wording.disk_text(short) == "Disk: not enough space (needs 12.5 GB, 4.0 GB free)"


@pytest.mark.parametrize(("fit", "text"), [
    (Fit.FITS, "Memory: fits (needs about 13.0 GB, 20.0 GB of RAM free)"),
    (Fit.TIGHT, "Memory: tight (needs about 13.0 GB, 20.0 GB of RAM free); other apps may "
                "have to wait while it runs"),
    (Fit.WONT_FIT, "Memory: won't fit (needs about 13.0 GB, 20.0 GB of RAM free); this "
                   "computer does not have enough memory for it"),
])
def test_memory_fit_labels(fit: Fit, text: str) -> None:
    memory = MemoryEstimate(12 * GB, GB // 2, GB // 2, 20 * GB, fit, "RAM", None)
    assert wording.memory_text(memory) == text
    assert wording.memory_text(None) == "Memory: unknown until the file is downloaded"
