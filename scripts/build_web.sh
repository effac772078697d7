#!/usr/bin/env bash
# Bundles the chat widget and the console's charting library into sedorum/web/static/vendor from the
# npm registry, using the machine's Node.js. Nothing is fetched at run time (no CDN). Idempotent: skips
# when the lock file has not changed since the last build.
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=sedorum/web/static/vendor
STAMP="$VENDOR/.stamp"
want=$(cat widget/package.json widget/package-lock.json scripts/build_web.sh | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -f "$VENDOR/webchat.js" ] && [ -f "$VENDOR/chart.umd.js" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm (Node.js) is needed to bundle the chat widget" >&2; exit 1; }
echo "==> Bundling the chat widget from the npm registry"
(cd widget && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
mkdir -p "$VENDOR"
# The bundle's CSS @imports the Inter font from Google Fonts: the pages must make no request
# to another host, so the import is cut out here (site.css sets a system font stack instead).
# The build fails if any reference is left, e.g. after an upgrade changed the bundle.
sed 's#@import url(https://fonts.googleapis.com/css?family=Inter:400,500,700\&display=swap);##g' \
  widget/node_modules/rasa-webchat/lib/index.js > "$VENDOR/webchat.js.tmp"
if grep -q 'fonts.googleapis' "$VENDOR/webchat.js.tmp"; then
  echo "The widget bundle still references Google Fonts: update scripts/build_web.sh" >&2
  rm -f "$VENDOR/webchat.js.tmp"
  exit 1
fi
mv "$VENDOR/webchat.js.tmp" "$VENDOR/webchat.js"
# Chart.js for the staff console's insights page (its UMD build needs no bundler).
cp widget/node_modules/chart.js/dist/chart.umd.js "$VENDOR/chart.umd.js"
echo "$want" > "$STAMP"
echo "==> Widget bundle ready"
