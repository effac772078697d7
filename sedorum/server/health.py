"""Health check from the command line: exit 0 when a URL answers, 1 when it does not.

Why our own instead of curl: the container image (deploy/container/Containerfile) is
python:3.11-slim without curl, and systemd's `ExecStartPost=` should wait until a process
serves, as the supervisor behind `make run` does (sedorum/server/supervisor.py). Each process
has one health URL (deploy/README.md lists them):

- action server:  http://127.0.0.1:5055/health
- Rasa process:   http://127.0.0.1:<port>/  (it listens only once the model is loaded)
- router:         http://127.0.0.1:5005/_router/health
- nginx:          http://127.0.0.1:8080/_nginx/health

    python -m sedorum.server.health URL              # one check
    python -m sedorum.server.health URL --wait 180   # until it answers, at most 180 s
"""

from __future__ import annotations

import argparse
import sys
import time

from sedorum.server.supervisor import answers


def healthy(url: str, wait_s: float = 0.0, pause_s: float = 0.5) -> bool:
    """True once `url` answers below HTTP 500, trying for up to `wait_s` seconds."""
    deadline = time.monotonic() + wait_s
    while True:
        if answers(url, timeout_s=5):
            return True
        if time.monotonic() + pause_s > deadline:
            return False
        time.sleep(pause_s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--wait", type=float, default=0.0, help="seconds to keep trying (default: one check)")
    args = parser.parse_args(argv)
    if healthy(args.url, args.wait):
        return 0
    print(f"sedorum: {args.url} does not answer", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
