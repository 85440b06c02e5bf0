"""Saving a reply while it streams, so a crash or kill loses at most about a second of it.

Writing every token would cost a transaction per token; writing only at the end loses the
whole reply when the process dies. The writer keeps the text in memory and writes it when at
least `interval` seconds have passed since the last write (checked on each delta, and on
`flush_if_due()` for a caller that wants to cover a stalled stream with a timer), and always
on `finish()`. A failed write (full disk) raises StorageError but keeps the text, so a later
write can still save it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from app.core.storage import conversations, messages
from app.core.storage.database import Database
from app.core.storage.models import (
    ConversationId,
    HarmonyRecord,
    Message,
    MessageId,
    MessageStatus,
)

log = logging.getLogger(__name__)

FLUSH_INTERVAL_SECONDS = 1.0


class ReplyWriter:
    """Feeds one assistant reply (status `streaming`) into the store; Qt-free.

    Use it from one thread (the generation worker); the store serialises its writes with the
    rest of the app. `monotonic` paces the writes, `wall_clock` stamps them; both can be
    replaced in tests.
    """

    def __init__(self, db: Database, conversation_id: ConversationId, message_id: MessageId, *,
                 interval: float = FLUSH_INTERVAL_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self.conversation_id = conversation_id
        self.message_id = message_id
        self._interval = interval
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._answer: list[str] = []
        self._reasoning: list[str] = []
        self._dirty = False
        self._finished = False
        self._last_write = monotonic()
        self.writes = 0  # how many times progress was saved (for diagnostics and tests)

    @property
    def answer(self) -> str:
        return "".join(self._answer)

    @property
    def reasoning(self) -> str:
        return "".join(self._reasoning)

    @property
    def finished(self) -> bool:
        return self._finished

    def append_answer(self, delta: str) -> bool:
        """Add answer text; returns True when this call saved the reply."""
        return self._append(self._answer, delta)

    def append_reasoning(self, delta: str) -> bool:
        """Add reasoning text (kept apart from the answer); True when this call saved."""
        return self._append(self._reasoning, delta)

    def _append(self, parts: list[str], delta: str) -> bool:
        if self._finished:
            raise RuntimeError(f"reply {self.message_id} is already finished")
        if delta:
            parts.append(delta)
            self._dirty = True
        return self.flush_if_due()

    def flush_if_due(self) -> bool:
        """Save unsaved text if `interval` has passed since the last save; True if it saved."""
        if self._dirty and self._monotonic() - self._last_write >= self._interval:
            self.flush()
            return True
        return False

    def flush(self) -> None:
        """Save the text received so far, still marked `streaming`."""
        if self._finished or not self._dirty:
            return
        answer, reasoning = self.answer, self.reasoning
        self._answer, self._reasoning = [answer], [reasoning]
        with self._db.write() as conn:
            messages.update_reply(conn, self.message_id, answer=answer, reasoning=reasoning,
                                  status="streaming", now=self._wall_clock())
        self._dirty = False
        self._last_write = self._monotonic()
        self.writes += 1

    def finish(self, status: MessageStatus = "complete", *,
               stats: dict[str, Any] | None = None, error: str | None = None,
               tool_calls: list[Any] | None = None, tool_results: list[Any] | None = None,
               harmony: list[HarmonyRecord] | None = None) -> Message:
        """Save the whole reply with its final status; returns the stored message.

        `status` is "complete", "interrupted" (stopped by the user: the partial text is kept)
        or "error" (with `error` saying why).
        """
        if status == "streaming":
            raise ValueError("finish() needs a final status, not 'streaming'")
        if self._finished:
            raise RuntimeError(f"reply {self.message_id} is already finished")
        now = self._wall_clock()
        with self._db.write() as conn:
            messages.update_reply(conn, self.message_id, answer=self.answer,
                                  reasoning=self.reasoning, status=status, now=now,
                                  stats=stats, error=error, tool_calls=tool_calls,
                                  tool_results=tool_results, harmony=harmony)
            conversations.touch(conn, self.conversation_id, now)
            message = messages.get(conn, self.message_id)
        self._finished = True
        self._dirty = False
        self.writes += 1
        log.info("Reply %d saved as %s (%d characters)", self.message_id, status,
                 len(message.answer))
        return message
