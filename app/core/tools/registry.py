"""All conversations' Python sessions, so each conversation keeps its own state."""

from __future__ import annotations

import threading

from app.core.tools.python_tool import DEFAULT_MEMORY_LIMIT, PythonSession


class PythonTools:
    """The Python sessions of all conversations, each created on first use; thread-safe.

    The app calls `close(conversation_id)` when a conversation is closed or deleted and
    `close_all()` at exit, so no process outlives what it belongs to.
    """

    def __init__(self, *, memory_limit: int = DEFAULT_MEMORY_LIMIT,
                 interpreter: str | None = None) -> None:
        self._memory_limit = memory_limit
        self._interpreter = interpreter
        self._sessions: dict[int, PythonSession] = {}
        self._lock = threading.Lock()

    def session(self, conversation_id: int) -> PythonSession:
        with self._lock:
            session = self._sessions.get(conversation_id)
            if session is None:
                session = PythonSession(memory_limit=self._memory_limit,
                                        interpreter=self._interpreter)
                self._sessions[conversation_id] = session
            return session

    def __contains__(self, conversation_id: object) -> bool:
        with self._lock:
            return conversation_id in self._sessions

    def close(self, conversation_id: int) -> None:
        """End the conversation's process and remove its folder; a later run starts anew."""
        with self._lock:
            session = self._sessions.pop(conversation_id, None)
        if session is not None:
            session.close()

    def close_all(self) -> None:
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for session in sessions:
            session.stop()  # all at once, before waiting for any of them
        for session in sessions:
            session.close()
