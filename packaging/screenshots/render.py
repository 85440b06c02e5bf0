"""Render the main window with a sample conversation to PNG, offscreen, light and dark.

    python packaging/screenshots/render.py [OUT_DIR]

Writes oss-chat-light.png and oss-chat-dark.png (default: next to this file). The README and
the AppStream metadata show them.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtWidgets import QApplication

from app.core.engine.memory import Fit, MemoryEstimate
from app.core.engine.results import LoadInfo
from app.core.paths import AppPaths
from app.core.storage import ConversationStore
from app.ui.application import AppSession, create_application

QUESTION = "How do I reverse a list in Python, and which way is faster?"
REASONING = ("The user wants list reversal. Mention slicing, reversed() and list.reverse(); "
             "compare copying vs in place.")
ANSWER = """There are three common ways:

```python
items = [1, 2, 3, 4]
backwards = items[::-1]        # a reversed copy
for item in reversed(items):   # an iterator, no copy
    print(item)
items.reverse()                # in place
```

| way | copies the list? | speed |
|---|---|---|
| `items[::-1]` | yes | fast |
| `reversed(items)` | no | fastest to start |
| `items.reverse()` | no, changes `items` | fast |

Use **`reversed()`** when you only loop once, and **`items.reverse()`** when you no longer need
the original order."""


def _sample(paths: AppPaths) -> int:
    store = ConversationStore.open(paths.database)
    try:
        for title in ("Rust lifetimes, simply", "Explain the KV cache",
                      "Trip to Lisbon: three-day plan"):
            other = store.create_conversation(title=title)
            store.add_user_message(other.id, title)
        store.set_pinned(other.id, True)
        conversation = store.create_conversation(effort="high")
        store.add_user_message(conversation.id, QUESTION)
        writer = store.begin_reply(conversation.id, effort="high")
        writer.append_reasoning(REASONING)
        writer.append_answer(ANSWER)
        writer.finish(stats={"decode_tok_s": 17.8, "generated_tokens": 212, "ttft_s": 0.64,
                             "reasoning_seconds": 4.2})
        return conversation.id
    finally:
        store.close()


def render(out_dir: Path) -> list[Path]:
    app = create_application()
    written = []
    with tempfile.TemporaryDirectory() as data:
        paths = AppPaths.under(Path(data)).ensure()
        conversation_id = _sample(paths)
        session = AppSession.start(paths)
        try:
            session.controller.open_conversation(conversation_id)
            session.controller.modelStateChanged.emit("ready", "gpt-oss-20b")
            window = session.window
            memory = MemoryEstimate(12 * 1024**3, 768 * 1024**2, 512 * 1024**2,
                                    20 * 1024**3, Fit.FITS, "RAM", None)
            window.status.show_model(LoadInfo("gpt-oss-20b-mxfp4.gguf", "gpt-oss-20b", "Metal",
                                              "Apple M2 Pro", -1, 16384, 8, memory))
            window.status.show_context(1236, 16384)
            window.status.show_reply_stats_text("17.8 tok/s · first token 0.64 s")
            window.resize(1180, 760)
            window.show()
            for theme in ("light", "dark"):
                window.chat_view.set_theme(session.preferences.theme.apply(theme))
                for _ in range(20):
                    app.processEvents()
                path = out_dir / f"oss-chat-{theme}.png"
                window.grab().save(str(path))
                written.append(path)
            session.preferences.theme.apply("system")
        finally:
            session.close()
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent
    for written_path in render(target):
        print(written_path)  # noqa: T201
    QApplication.quit()
