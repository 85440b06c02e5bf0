"""Turning stored conversations into harmony prompts, and replies back into records."""
