"""The chat message view: model, Markdown rendering, delegate and view for one conversation."""
