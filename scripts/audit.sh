#!/usr/bin/env bash
# Known advisories in the pinned runtime lock (requirements/lock.txt + requirements/rasa.txt).
#
# pip-audit runs in its own virtual environment (.venv-audit): its CacheControl pin clashes
# with rasa's, so it cannot share .venv. Advisories that were reviewed and accepted are listed,
# with the reason, in security/advisories.md; exactly the IDs in that file's table are passed
# as --ignore-vuln. Exit codes:
#   0  every pinned package was audited and nothing unaccepted was found
#   1  advisories that are not accepted in security/advisories.md (listed)
#   2  the audit tool could not be installed or run
#   3  the vulnerability service could not be reached (or did not answer for some packages):
#      the result would be a false "clean", so this fails loudly instead
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${SEDORUM_AUDIT_VENV:-.venv-audit}"
PYTHON="${PYTHON:-python3}"
SERVICE="${SEDORUM_AUDIT_SERVICE:-pypi}"   # pypi (PyPI JSON API) or osv (api.osv.dev)
ACCEPTED="security/advisories.md"
STAMP="$VENV/.sedorum-audit-stamp"
want=$(sha256sum requirements/audit.txt | cut -d' ' -f1)

if [ ! -x "$VENV/bin/pip-audit" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "==> Installing pip-audit into $VENV"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  if ! "$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements/audit.txt; then
    echo "audit: could not install pip-audit (requirements/audit.txt)" >&2
    exit 2
  fi
  echo "$want" > "$STAMP"
fi

ignores=()
while read -r id; do
  [ -n "$id" ] && ignores+=(--ignore-vuln "$id")
done < <(grep -oE '^\| *(GHSA-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}|PYSEC-[0-9]{4}-[0-9]+|CVE-[0-9]{4}-[0-9]+) *\|' "$ACCEPTED" | tr -d '| ')
echo "==> Auditing requirements/lock.txt + requirements/rasa.txt with the '$SERVICE' service ($(( ${#ignores[@]} / 2 )) accepted advisories)"

report=$(mktemp)
errors=$(mktemp)
trap 'rm -f "$report" "$errors"' EXIT
set +e
"$VENV/bin/pip-audit" --no-deps --disable-pip --progress-spinner off -s "$SERVICE" \
  -r requirements/lock.txt -r requirements/rasa.txt -f json -o "$report" "${ignores[@]}" 2>"$errors"
status=$?
set -e

"$VENV/bin/python" - "$report" "$errors" "$status" <<'PY'
import json
import sys
from pathlib import Path

report_path, errors_path, status = sys.argv[1], sys.argv[2], int(sys.argv[3])
errors = Path(errors_path).read_text(errors="replace")
try:
    data = json.loads(Path(report_path).read_text() or "null")
except ValueError:
    data = None
if not data or "dependencies" not in data:
    print("audit: FAILED - the vulnerability service could not be reached; nothing was audited.", file=sys.stderr)
    print("\n".join(errors.strip().splitlines()[-2:]), file=sys.stderr)
    sys.exit(3)
deps = data["dependencies"]
skipped = [d for d in deps if "skip_reason" in d]
vulnerable = [d for d in deps if d.get("vulns")]
audited = len(deps) - len(skipped)
print(f"audit: {audited} of {len(deps)} pinned packages audited, {len(skipped)} skipped.")
for dep in vulnerable:
    for vuln in dep["vulns"]:
        aliases = ", ".join(vuln.get("aliases", []))
        fixes = ", ".join(vuln.get("fix_versions", [])) or "none"
        print(f"  NOT ACCEPTED: {dep['name']} {dep['version']}: {vuln['id']} ({aliases}) fixed in {fixes}")
if skipped:
    print(
        f"audit: FAILED - the vulnerability service did not answer for {len(skipped)} packages "
        f"(e.g. {skipped[0]['name']}: {skipped[0]['skip_reason']}). It is unreachable from here or "
        "blocked; an audit that skips packages is not a clean audit. Try SEDORUM_AUDIT_SERVICE=osv.",
        file=sys.stderr,
    )
    sys.exit(3)
if vulnerable:
    print("audit: FAILED - fix these, or review and list them in security/advisories.md.", file=sys.stderr)
    sys.exit(1)
if status not in (0, 1):
    print("\n".join(errors.strip().splitlines()[-5:]), file=sys.stderr)
    sys.exit(2)
print("audit: OK - no advisories beyond those accepted in security/advisories.md.")
PY
