"""The main window's sidebar: the conversation list, full-text search and chat actions."""

from app.ui.sidebar.conversation_model import (
    ConversationListModel,
    ConversationRoles,
    GroupHeader,
)
from app.ui.sidebar.delegate import ConversationDelegate, SearchResultDelegate
from app.ui.sidebar.list_view import SidebarListView
from app.ui.sidebar.search import SearchResult, SearchResultsModel, SearchRoles
from app.ui.sidebar.search_box import SearchBox
from app.ui.sidebar.sidebar import Sidebar
from app.ui.sidebar.undo_bar import UndoBar

__all__ = [
    "ConversationDelegate",
    "ConversationListModel",
    "ConversationRoles",
    "GroupHeader",
    "SearchBox",
    "SearchResult",
    "SearchResultDelegate",
    "SearchResultsModel",
    "SearchRoles",
    "Sidebar",
    "SidebarListView",
    "UndoBar",
]
