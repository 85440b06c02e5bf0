"""`make bench`: OSS Chat measured against llama.cpp on the same model and machine.

Run `python bench/run.py --help`. Nothing here is part of `make test`: benchmarks time things,
tests never do.
"""
