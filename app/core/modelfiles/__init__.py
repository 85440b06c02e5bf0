"""Model files: inspecting GGUF files without loading them, downloading gpt-oss from the
Hugging Face Hub (resumable and verified), and the library of models on this computer."""
