"""The harmony conversation format of gpt-oss: exact prompt rendering, tokenization that keeps
text from forging markers, and a tolerant streaming parser of what the model writes.

Qt-free and independent of llama.cpp: the model's tokenizer comes in as a `Vocabulary`.
"""
