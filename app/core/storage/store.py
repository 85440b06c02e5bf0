"""`ConversationStore`: the one entry point to saved conversations.

It owns the database connection and combines the row-level modules into the operations the
app needs, each in one transaction, so a failure never leaves half an edit behind. Safe to
call from several threads (one at a time, serialised by the database lock).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from app.core.storage import conversations, importer, messages
from app.core.storage import search as full_text
from app.core.storage.database import Database, open_database
from app.core.storage.export import (
    bundle_document,
    conversation_document,
    to_markdown,
)
from app.core.storage.models import (
    DEFAULT_EFFORT,
    Conversation,
    ConversationId,
    ConversationPage,
    Effort,
    ListCursor,
    Message,
    MessageId,
    PythonTool,
    SearchHit,
    SiblingInfo,
)
from app.core.storage.reply_writer import FLUSH_INTERVAL_SECONDS, ReplyWriter

log = logging.getLogger(__name__)

# Soft-deleted conversations older than this are purged when the store opens. The undo window
# itself is the app's (a few seconds of "Undo"); after a restart a deletion is final.
PURGE_DELETED_AFTER_SECONDS = 0.0
PAGE_SIZE = 50


class ConversationStore:
    """Conversations and their message trees in SQLite, Qt-free.

    Open with `ConversationStore.open(path)`. If the file could not be read it has been moved
    aside and `notice` says so, for the app to tell the user.
    """

    def __init__(self, db: Database, *, notice: str | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self.notice = notice
        self._clock = clock

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False,
             clock: Callable[[], float] = time.time,
             purge_deleted_after: float = PURGE_DELETED_AFTER_SECONDS) -> ConversationStore:
        """Open or create the store at `path` (":memory:" for a private in-memory one).

        Replies left `streaming` by a crash are marked `interrupted`, keeping their text, and
        old soft-deleted conversations are purged. With `read_only` (exports, backups while the
        app runs) nothing is written at all. Raises StorageError with a message for the user.
        """
        db, notice = open_database(path, read_only=read_only, now=clock())
        store = cls(db, notice=notice, clock=clock)
        if not read_only:
            try:
                store._recover()
                store.purge_deleted(purge_deleted_after)
            except BaseException:
                db.close()
                raise
        return store

    def _recover(self) -> None:
        with self._db.write() as conn:
            interrupted = messages.mark_interrupted(conn, self._clock())
        if interrupted:
            log.info("Marked %d reply(ies) interrupted by the last exit", interrupted)

    @property
    def path(self) -> Path | None:
        return self._db.path

    @property
    def read_only(self) -> bool:
        return self._db.read_only

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ConversationStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Several reads that see one state of the database, even if another process writes.

        Other threads wait for the end of the block, so keep it short.
        """
        with self._db.read():
            yield

    # Conversations

    def create_conversation(self, *, title: str = "", effort: Effort = DEFAULT_EFFORT,
                            instructions: str = "", model: str = "") -> Conversation:
        """A new, empty conversation; without a title it gets one from its first message."""
        now = self._clock()
        with self._db.write() as conn:
            new_id = conversations.insert(
                conn, title=title, title_source="user" if title else "auto", effort=effort,
                instructions=instructions, model=model, created_at=now, updated_at=now)
            return conversations.get(conn, new_id)

    def get_conversation(self, conversation_id: ConversationId) -> Conversation:
        with self._db.read() as conn:
            return conversations.get(conn, conversation_id)

    def list_conversations(self, limit: int = PAGE_SIZE, before: ListCursor | None = None
                           ) -> ConversationPage:
        """A page of the list: pinned first, then most recent activity first."""
        with self._db.read() as conn:
            return conversations.list_page(conn, limit, before)

    def count_conversations(self) -> int:
        with self._db.read() as conn:
            return conversations.count(conn)

    def rename(self, conversation_id: ConversationId, title: str) -> None:
        """The user's own title; automatic and model titles never replace it."""
        with self._db.write() as conn:
            conversations.set_title(conn, conversation_id, title.strip(), "user")

    def set_generated_title(self, conversation_id: ConversationId, title: str) -> bool:
        """A title written by the model; ignored (False) if the user has renamed the chat."""
        with self._db.write() as conn:
            if conversations.get(conn, conversation_id).title_source == "user":
                return False
            conversations.set_title(conn, conversation_id, title.strip(), "model")
            return True

    def set_pinned(self, conversation_id: ConversationId, pinned: bool) -> None:
        with self._db.write() as conn:
            conversations.set_pinned(conn, conversation_id, pinned)

    def set_effort(self, conversation_id: ConversationId, effort: Effort) -> None:
        with self._db.write() as conn:
            conversations.set_effort(conn, conversation_id, effort)

    def set_python_tool(self, conversation_id: ConversationId, mode: PythonTool) -> None:
        """Whether the model may run Python here: "off", "ask" (each time) or "always"."""
        with self._db.write() as conn:
            conversations.set_python_tool(conn, conversation_id, mode)

    def set_instructions(self, conversation_id: ConversationId, instructions: str) -> None:
        with self._db.write() as conn:
            conversations.set_instructions(conn, conversation_id, instructions)

    def set_model(self, conversation_id: ConversationId, model: str) -> None:
        with self._db.write() as conn:
            conversations.set_model(conn, conversation_id, model)

    def delete_conversation(self, conversation_id: ConversationId) -> None:
        """Hide it from lists and search at once; `restore` undoes, a later purge removes it."""
        with self._db.write() as conn:
            conversations.set_deleted(conn, conversation_id, self._clock())

    def restore(self, conversation_id: ConversationId) -> None:
        with self._db.write() as conn:
            conversations.set_deleted(conn, conversation_id, None)

    def purge_deleted(self, older_than_seconds: float) -> int:
        """Remove for good the conversations deleted at least that long ago; returns how many."""
        with self._db.write() as conn:
            purged = conversations.purge_deleted(conn, self._clock() - older_than_seconds)
        if purged:
            with self._db.write() as conn:
                conn.execute("PRAGMA incremental_vacuum").fetchall()
            log.info("Purged %d deleted conversation(s)", purged)
        return purged

    # Messages and branches

    def get_message(self, message_id: MessageId) -> Message:
        with self._db.read() as conn:
            return messages.get(conn, message_id)

    def active_branch(self, conversation_id: ConversationId) -> list[Message]:
        """The messages on screen, root first: also the history for the next prompt."""
        with self._db.read() as conn:
            return messages.active_branch(conn, conversation_id)

    def all_messages(self, conversation_id: ConversationId) -> list[Message]:
        """Every message of every branch, parents before children."""
        with self._db.read() as conn:
            return messages.all_in_conversation(conn, conversation_id)

    def add_user_message(self, conversation_id: ConversationId, text: str,
                         parent_id: MessageId | None = None) -> Message:
        """Append what the user wrote after `parent_id` (default: the end of the active branch).

        The first message of an untitled conversation also gives it its title.
        """
        now = self._clock()
        with self._db.write() as conn:
            conversation = conversations.get(conn, conversation_id)
            parent = conversation.active_leaf_id if parent_id is None else parent_id
            new_id = messages.add_child(conn, conversation_id, parent, role="user",
                                        answer=text, now=now)
            if conversation.title_source == "auto" and not conversation.title:
                conversations.set_title(conn, conversation_id,
                                        conversations.automatic_title(text), "auto")
            return messages.get(conn, new_id)

    def add_tool_message(self, conversation_id: ConversationId, text: str,
                         parent_id: MessageId | None = None) -> Message:
        """A tool's output as its own node (most tool results live inside an assistant turn)."""
        now = self._clock()
        with self._db.write() as conn:
            conversation = conversations.get(conn, conversation_id)
            parent = conversation.active_leaf_id if parent_id is None else parent_id
            new_id = messages.add_child(conn, conversation_id, parent, role="tool", answer=text,
                                        now=now)
            return messages.get(conn, new_id)

    def edit_user_message(self, message_id: MessageId, new_text: str) -> Message:
        """A new version of a user message, as a sibling of the old one (which is kept).

        The title stays: it names the conversation, whichever branch is on screen.
        """
        now = self._clock()
        with self._db.write() as conn:
            original = messages.get(conn, message_id)
            if original.role != "user":
                raise ValueError(f"message {message_id} is a {original.role} message, "
                                 "only user messages can be edited")
            new_id = messages.add_child(conn, original.conversation_id, original.parent_id,
                                        role="user", answer=new_text, now=now)
            return messages.get(conn, new_id)

    def begin_reply(self, conversation_id: ConversationId, *, parent_id: MessageId | None = None,
                    effort: Effort | None = None, interval: float = FLUSH_INTERVAL_SECONDS,
                    monotonic: Callable[[], float] = time.monotonic) -> ReplyWriter:
        """Start an assistant reply after `parent_id` (default: the end of the active branch).

        The reply is stored at once, empty and `streaming`, with the effort that makes it
        (default: the conversation's); feed the returned writer as tokens arrive.
        """
        now = self._clock()
        with self._db.write() as conn:
            conversation = conversations.get(conn, conversation_id)
            parent = conversation.active_leaf_id if parent_id is None else parent_id
            new_id = messages.add_child(conn, conversation_id, parent, role="assistant",
                                        answer="", now=now, status="streaming",
                                        effort=effort or conversation.effort)
        return ReplyWriter(self._db, conversation_id, new_id, interval=interval,
                           monotonic=monotonic, wall_clock=self._clock)

    def begin_regenerate(self, message_id: MessageId, *, effort: Effort | None = None,
                         interval: float = FLUSH_INTERVAL_SECONDS,
                         monotonic: Callable[[], float] = time.monotonic) -> ReplyWriter:
        """Start a new version of an assistant reply, as its sibling (the old one is kept)."""
        original = self.get_message(message_id)
        if original.role != "assistant":
            raise ValueError(f"message {message_id} is a {original.role} message, "
                             "only assistant replies can be regenerated")
        if original.parent_id is None:
            raise ValueError(f"reply {message_id} has no message before it to answer")
        return self.begin_reply(original.conversation_id, parent_id=original.parent_id,
                                effort=effort, interval=interval, monotonic=monotonic)

    def siblings(self, message_id: MessageId) -> list[Message]:
        """The message and its alternatives (edits, regenerations), oldest first."""
        with self._db.read() as conn:
            return [messages.get(conn, sibling) for sibling in messages.siblings(conn, message_id)]

    def sibling_info(self, message_id: MessageId) -> SiblingInfo:
        with self._db.read() as conn:
            return messages.sibling_info(conn, message_id)

    def branch_sibling_info(self, conversation_id: ConversationId
                            ) -> dict[MessageId, SiblingInfo]:
        """Sibling positions for every message of the active branch (for the switchers)."""
        with self._db.read() as conn:
            return messages.branch_sibling_info(conn, conversation_id)

    def delete_message(self, message_id: MessageId) -> list[Message]:
        """Delete a message with the replies below it; returns the new active branch."""
        with self._db.write() as conn:
            conversation_id = messages.get(conn, message_id).conversation_id
            messages.delete(conn, message_id)
            return messages.active_branch(conn, conversation_id)

    def switch_to(self, message_id: MessageId) -> list[Message]:
        """Show the branch through this message (down to where the user last was in it)."""
        with self._db.write() as conn:
            message = messages.get(conn, message_id)
            messages.activate(conn, message_id)
            return messages.active_branch(conn, message.conversation_id)

    # Search, export, import

    def search(self, text: str, *, limit: int = 50,
               markers: tuple[str, str] = full_text.DEFAULT_MARKERS) -> list[SearchHit]:
        """Titles, then message text, matching every word; snippets highlighted with markers."""
        with self._db.read() as conn:
            return full_text.search(conn, text, limit=limit, markers=markers)

    def conversation_ids(self) -> list[ConversationId]:
        """Every conversation not deleted, in list order."""
        with self._db.read() as conn:
            return [row[0] for row in conn.execute(
                "SELECT id FROM conversations WHERE deleted_at IS NULL"
                " ORDER BY pinned DESC, updated_at DESC, id DESC")]

    def export_json(self, conversation_id: ConversationId) -> dict[str, Any]:
        """The lossless JSON document (all branches) of one conversation."""
        with self._db.read() as conn:
            return conversation_document(conversations.get(conn, conversation_id),
                                         messages.all_in_conversation(conn, conversation_id))

    def export_all_json(self) -> dict[str, Any]:
        """Every conversation not deleted, as one document (a backup)."""
        with self.snapshot():
            return bundle_document([self.export_json(each) for each in self.conversation_ids()])

    def export_markdown(self, conversation_id: ConversationId) -> str:
        """The active branch as Markdown, for reading and sharing."""
        with self._db.read() as conn:
            return to_markdown(conversations.get(conn, conversation_id),
                               messages.active_branch(conn, conversation_id))

    def import_json(self, document: Any) -> ConversationId:
        """Add the conversation of an exported JSON document (as a new conversation)."""
        conversation, tree = importer.parse_document(document)
        with self._db.write() as conn:
            return importer.store(conn, conversation, tree)

    def import_bundle(self, document: Any) -> list[ConversationId]:
        """Add every conversation of an `export --all` document, all or none."""
        parsed = importer.parse_bundle(document)
        with self._db.write() as conn:
            return [importer.store(conn, conversation, tree) for conversation, tree in parsed]
