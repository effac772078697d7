"""Conversation scenarios and unseen messages, shared by the end-to-end suites and the benchmarks."""
