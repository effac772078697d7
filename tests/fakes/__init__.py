"""The channel tests' harness: the stack plugin, real-format webhooks, a stub Rasa app.

The platforms' API fakes themselves are in fakes/ (shared with the benchmarks).
"""
