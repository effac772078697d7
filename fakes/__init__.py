"""Local fakes of the messaging platforms' APIs, speaking their real wire format.

Outside tests/ because the benchmarks drive the same platforms as the end-to-end tests (the
load benchmark's Telegram emergency lane, bench/fairness.py), and a benchmark must not depend
on the test package. What is only the tests' (the stack plugin, the other platforms' webhook
builders, the stub Rasa app) stays in tests/fakes/.
"""
