#!/usr/bin/env bash
# Bundles the chat widget into sedorum/web/static/vendor from the npm registry, using the
# machine's Node.js. Nothing is fetched at run time (no CDN). Idempotent: skips when the
# lock file has not changed since the last build.
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=sedorum/web/static/vendor
STAMP="$VENDOR/.stamp"
want=$(cat web/package.json web/package-lock.json scripts/build_web.sh | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -f "$VENDOR/webchat.js" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm (Node.js) is needed to bundle the chat widget" >&2; exit 1; }
echo "==> Bundling the chat widget from the npm registry"
(cd web && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
mkdir -p "$VENDOR"
cp web/node_modules/rasa-webchat/lib/index.js "$VENDOR/webchat.js"
echo "$want" > "$STAMP"
echo "==> Widget bundle ready"
