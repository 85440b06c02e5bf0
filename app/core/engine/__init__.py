"""Running gpt-oss through llama.cpp (llama-cpp-python): model loading, vocabulary, generation."""
