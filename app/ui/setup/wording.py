"""The words the set-up view shows for sizes, disk space, memory fit and download progress.

Kept apart from the widgets so the phrasing is one place to read and to test, and so the
view and its cards say the same thing the same way ("3.1 GB of 12.1 GB · 45.0 MB/s · 4 min
left"). Sizes use powers of 1000, as `human_size` and download pages do.
"""

from __future__ import annotations

from app.core.engine.memory import Fit, MemoryEstimate
from app.core.modelfiles.catalog import ResolvedModel
from app.core.modelfiles.download import DiskCheck
from app.core.modelfiles.progress import VERIFYING, human_size

SEPARATOR = " · "

FIT_LABELS = {Fit.FITS: "fits", Fit.TIGHT: "tight", Fit.WONT_FIT: "won't fit"}
_FIT_HINTS = {
    Fit.FITS: "",
    Fit.TIGHT: "; other apps may have to wait while it runs",
    Fit.WONT_FIT: "; this computer does not have enough memory for it",
}


def time_left(seconds: float | None) -> str:
    """"4 min left", "45 s left", "1 h 5 min left"; "" while unknown (None or negative)."""
    if seconds is None or seconds < 0:
        return ""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s left"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min left"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min left" if minutes else f"{hours} h left"


def amount_text(done: int, total: int) -> str:
    return f"{human_size(done)} of {human_size(total)}"


def progress_text(done: int, total: int, speed: float = 0.0, eta: float | None = None, *,
                  phase: str = "") -> str:
    """One line for the progress bar: bytes, then speed and time left once they are known."""
    amount = amount_text(done, total)
    if phase == VERIFYING:
        return f"Verifying the download{SEPARATOR}{amount}"
    parts = [amount]
    if speed > 0:
        parts.append(f"{human_size(speed)}/s")
    if left := time_left(eta):
        parts.append(left)
    return SEPARATOR.join(parts)


def size_text(model: ResolvedModel) -> str:
    count = len(model.files)
    files = f" in {count} files" if count > 1 else ""
    return f"Size: {human_size(model.total_bytes)}{files}"


def approximate_size_text(size: int) -> str:
    """Before the Hub has given the exact size."""
    return f"Size: about {human_size(size)}"


def disk_text(disk: DiskCheck) -> str:
    if disk.ok:
        return f"Disk: enough space ({human_size(disk.free)} free)"
    return (f"Disk: not enough space (needs {human_size(disk.needed + disk.margin)}, "
            f"{human_size(disk.free)} free)")


def memory_text(memory: MemoryEstimate | None) -> str:
    if memory is None:
        return "Memory: unknown until the file is downloaded"
    return (f"Memory: {FIT_LABELS[memory.fit]} (needs about {human_size(memory.total_bytes)}, "
            f"{human_size(memory.available_bytes)} of {memory.where} free)"
            f"{_FIT_HINTS[memory.fit]}")


def resume_text(done: int, total: int) -> str:
    return f"Resume download ({amount_text(done, total)})"


def kept_text(done: int) -> str:
    return f"The {human_size(done)} downloaded so far are kept."
