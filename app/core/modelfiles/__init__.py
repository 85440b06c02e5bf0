"""Model files: inspecting GGUF files without loading them."""
