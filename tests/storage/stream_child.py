"""Streams a reply into a store until it is killed: `python -m tests.storage.stream_child DB`.

Used by the SIGKILL test. Prints `saved <conversation> <message> <answer length>` each time
the reply writer has saved, so the test knows what must survive the kill.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from app.core.storage import ConversationStore


def delta(index: int) -> str:
    return f"word{index} "


def main(path: Path) -> None:
    store = ConversationStore.open(path)
    other = store.create_conversation(title="Earlier chat")
    store.add_user_message(other.id, "An earlier question")
    earlier = store.begin_reply(other.id)
    earlier.append_answer("An earlier answer")
    earlier.finish(stats={"tokens": 3})

    conversation = store.create_conversation()
    store.add_user_message(conversation.id, "Tell me a very long story")
    writer = store.begin_reply(conversation.id)
    writer.append_reasoning("The user wants a story. ")
    index = 0
    while True:
        if writer.append_answer(delta(index)):
            print(f"saved {conversation.id} {writer.message_id} {len(writer.answer)}", flush=True)
        index += 1
        time.sleep(0.005)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
