"""How a conversation or a message is judged, shared by the tests and the benchmarks.

Why a top-level folder and not a part of `sedorum/`: nothing here runs in the assistant. The
safety scenarios' loader and judge and the unseen-message classifier serve the end-to-end and
model tests and the benchmarks, which must score alike; the runtime package never imports
them, and they import the runtime only to read what the assistant reads (the project root, the
office hours).
"""
