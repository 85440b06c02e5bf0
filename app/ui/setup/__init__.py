"""The first-run welcome view: download gpt-oss from Hugging Face or choose a GGUF file."""

from app.ui.setup.welcome_view import WelcomeView

__all__ = ["WelcomeView"]
