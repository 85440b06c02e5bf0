"""The Qt-free core: conversation format, storage, engine and model files.

Nothing here may import PySide6 or the Qt layer (`app.ui`); import-linter enforces it.
"""
