"""How the chat view copes with a long conversation: first show, and stalls while streaming.

Opens a 2,000-message conversation offscreen, then streams a 300-update reply into it and
reports how long the GUI thread was busy for each update (a "stall": time the window could
not respond). Run: QT_QPA_PLATFORM=offscreen python bench/bench_chatview.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication

from app.ui.chat import ChatItem, ChatView, MessageListModel

MESSAGES = 2000
UPDATES = 300
WORDS = ["the", "model", "reads", "each", "token", "and", "writes", "the", "next", "one",
         "while", "the", "window", "stays", "responsive", "because", "only", "one", "row",
         "changes"]


def answer_text(rng: random.Random) -> str:
    paragraphs = [" ".join(rng.choices(WORDS, k=rng.randint(20, 80))) for _ in range(3)]
    code = "```python\ndef step(x):\n    return x * 2  # doubled\n```"
    table = "| name | value |\n|---|---|\n| a | 1 |\n| b | 2 |"
    return "\n\n".join([f"## Part {rng.randint(1, 9)}", paragraphs[0], code, paragraphs[1],
                        table, "- one\n- two\n- three", paragraphs[2]])


def conversation(count: int) -> list[ChatItem]:
    rng = random.Random(7)
    items = []
    for number in range(count):
        if number % 2 == 0:
            items.append(ChatItem(number, "user", " ".join(rng.choices(WORDS, k=15))))
        else:
            items.append(ChatItem(number, "assistant", answer_text(rng), reasoning="Thinking.",
                                  reasoning_seconds=4.0, effort="medium"))
    return items


def settle(app: QApplication, view: ChatView) -> None:
    """Run the event loop until no more documents are built (layout and paint are done)."""
    quiet = 0
    while quiet < 3:
        before = view.delegate.documents_built
        app.processEvents()
        quiet = quiet + 1 if view.delegate.documents_built == before else 0


def stream_chunks(rng: random.Random) -> list[str]:
    chunks = []
    for number in range(UPDATES):
        words = " ".join(rng.choices(WORDS, k=4))
        if number % 40 == 20:
            words += "\n\n```python\nprint('streamed')\n"
        elif number % 40 == 30:
            words += "\n```\n\n"
        elif number % 12 == 0:
            words += "\n\n"
        chunks.append(words + " ")
    return chunks


@dataclass(frozen=True)
class ViewFigures:
    first_show_ms: float
    documents_at_show: int
    full_layout_ms: float
    stalls_ms: list[float]
    streamed_builds: int
    following: bool


def measure(app: QApplication) -> ViewFigures:
    """Show the long conversation, then stream into it; every figure in milliseconds."""
    model = MessageListModel(conversation(MESSAGES))
    view = ChatView()
    view.resize(1000, 800)

    started = time.perf_counter()
    view.setModel(model)
    view.show()
    settle(app, view)
    first_show = time.perf_counter() - started
    built_at_show = view.delegate.documents_built

    started = time.perf_counter()
    view.doItemsLayout()
    full_layout = time.perf_counter() - started

    model.append(ChatItem("live", "assistant", status="streaming", effort="high"))
    settle(app, view)
    built_before = view.delegate.documents_built
    stalls = []
    for chunk in stream_chunks(random.Random(3)):
        started = time.perf_counter()
        model.update_streaming("live", answer_delta=chunk)
        app.processEvents()
        stalls.append((time.perf_counter() - started) * 1000)
    figures = ViewFigures(first_show * 1000, built_at_show, full_layout * 1000, stalls,
                          view.delegate.documents_built - built_before, view.is_following())
    view.close()
    view.deleteLater()
    return figures


def main() -> int:
    app = QApplication(sys.argv[:1])
    figures = measure(app)
    stalls = figures.stalls_ms
    print(f"messages: {MESSAGES}, viewport 1000x800, Qt platform {app.platformName()}")
    print(f"first show (layout + paint until settled): {figures.first_show_ms:.1f} ms, "
          f"{figures.documents_at_show} message documents built")
    print(f"one full layout of all rows: {figures.full_layout_ms:.1f} ms")
    print(f"streaming {UPDATES} updates: longest stall {max(stalls):.1f} ms, "
          f"median {statistics.median(stalls):.2f} ms, "
          f"95th percentile {statistics.quantiles(stalls, n=20)[-1]:.1f} ms")
    print(f"documents built while streaming: {figures.streamed_builds} "
          "(one per update, the live row)")
    print(f"still following the bottom: {figures.following}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
