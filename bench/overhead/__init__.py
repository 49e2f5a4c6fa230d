"""The parts of bench/instrument.py: instrumentation stacks, the ASGI driver, paired rounds, the database.

A package rather than sibling scripts: `make bench` runs every `bench/*.py` file as a benchmark.
"""
