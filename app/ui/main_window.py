"""The main window: sidebar with conversations, the chat view, the composer, the status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME

EFFORTS = ("Low", "Medium", "High")


class MainWindow(QMainWindow):
    def __init__(self, model_path: Path | None = None) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.setObjectName("mainWindow")
        self.resize(1100, 720)

        self.sidebar = self._build_sidebar()
        self.chat_panel = self._build_chat_panel()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.chat_panel)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 840])
        self.setCentralWidget(self.splitter)

        self.model_label = QLabel(self._model_text(model_path))
        self.model_label.setAccessibleName("Model")
        status = QStatusBar()
        status.addPermanentWidget(self.model_label)
        self.setStatusBar(status)
        self.message_input.setFocus()

    @staticmethod
    def _model_text(model_path: Path | None) -> str:
        return f"Model: {model_path.name}" if model_path else "No model"

    def _build_sidebar(self) -> QWidget:
        sidebar = QWidget()
        sidebar.setObjectName("sidebar")
        layout = QVBoxLayout(sidebar)
        self.new_chat_button = QPushButton("New chat")
        self.new_chat_button.setAccessibleName("New chat")
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search chats")
        self.search_box.setAccessibleName("Search chats")
        self.search_box.setClearButtonEnabled(True)
        self.conversation_list = QListView()
        self.conversation_list.setAccessibleName("Conversations")
        layout.addWidget(self.new_chat_button)
        layout.addWidget(self.search_box)
        layout.addWidget(self.conversation_list, 1)
        return sidebar

    def _build_chat_panel(self) -> QWidget:
        panel = QWidget()
        panel.setObjectName("chatPanel")
        layout = QVBoxLayout(panel)
        self.message_view = QListView()
        self.message_view.setAccessibleName("Messages")
        layout.addWidget(self.message_view, 1)

        composer = QHBoxLayout()
        self.message_input = QPlainTextEdit()
        self.message_input.setObjectName("messageInput")
        self.message_input.setAccessibleName("Message")
        self.message_input.setPlaceholderText("Message gpt-oss")
        self.message_input.setMaximumHeight(120)
        self.effort_box = QComboBox()
        self.effort_box.setAccessibleName("Reasoning effort")
        self.effort_box.setToolTip("How hard the model thinks before it answers")
        self.effort_box.addItems(EFFORTS)
        self.effort_box.setCurrentText("Medium")
        self.send_button = QPushButton("Send")
        self.send_button.setAccessibleName("Send")
        composer.addWidget(self.message_input, 1)
        composer.addWidget(self.effort_box)
        composer.addWidget(self.send_button)
        layout.addLayout(composer)
        return panel
