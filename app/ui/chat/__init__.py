"""The chat message view: model, Markdown rendering, delegate and view for one conversation."""

from app.ui.chat.chat_view import ChatView
from app.ui.chat.delegate import MessageDelegate
from app.ui.chat.items import ChatItem, ToolCall
from app.ui.chat.message_model import MessageListModel, MessageRoles
from app.ui.chat.theme import DARK, LIGHT, ChatTheme

__all__ = [
    "DARK",
    "LIGHT",
    "ChatItem",
    "ChatTheme",
    "ChatView",
    "MessageDelegate",
    "MessageListModel",
    "MessageRoles",
    "ToolCall",
]
