"""Saved conversations: SQLite, Qt-free. Start at `ConversationStore`."""

from app.core.storage.errors import (
    DatabaseCorruptError,
    DatabaseTooNewError,
    DiskFullError,
    ImportFormatError,
    NotFoundError,
    ReadOnlyDatabaseError,
    StorageError,
)
from app.core.storage.grouping import group_conversations, group_label
from app.core.storage.models import (
    Conversation,
    ConversationId,
    ConversationPage,
    Effort,
    GroupLabel,
    HarmonyRecord,
    ListCursor,
    Message,
    MessageId,
    MessageStatus,
    Role,
    SearchHit,
    SiblingInfo,
)
from app.core.storage.reply_writer import ReplyWriter
from app.core.storage.store import ConversationStore

__all__ = [
    "Conversation",
    "ConversationId",
    "ConversationPage",
    "ConversationStore",
    "DatabaseCorruptError",
    "DatabaseTooNewError",
    "DiskFullError",
    "Effort",
    "GroupLabel",
    "HarmonyRecord",
    "ImportFormatError",
    "ListCursor",
    "Message",
    "MessageId",
    "MessageStatus",
    "NotFoundError",
    "ReadOnlyDatabaseError",
    "ReplyWriter",
    "Role",
    "SearchHit",
    "SiblingInfo",
    "StorageError",
    "group_conversations",
    "group_label",
]
