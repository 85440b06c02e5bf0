"""Generated gpt-oss GGUF models for the tests (never downloaded, never committed)."""
