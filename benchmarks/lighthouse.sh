#!/usr/bin/env bash
# Lighthouse (mobile preset) for the home page and the leaflet, against Debian's Chromium.
# Installs lighthouse@12.8.2 from the npm registry into benchmarks/node_modules (13.x needs Node 22).
# Prints the four category scores per page. A figure we report, not a test gate.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/venv.sh
ensure_venv
if [ ! -x benchmarks/node_modules/.bin/lighthouse ]; then
  npm install --silent --no-audit --no-fund --prefix benchmarks lighthouse@12.8.2 >/dev/null
fi
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
.venv/bin/mkdocs build >/dev/null 2>&1
port=${PORT:-8950}
SPIEGEL_DATABASE_URL="sqlite:///$work/lh.sqlite3" .venv/bin/python -m spiegel.serve --port "$port" --no-watch >/dev/null 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.2; done
export CHROME_PATH=/usr/bin/chromium TMPDIR="$work"
flags="--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --host-resolver-rules=MAP\ *\ ~NOTFOUND,\ EXCLUDE\ 127.0.0.1"
printf '%-28s %12s %14s %15s %5s\n' page performance accessibility best-practices seo
for path in / /spiegelbijeenkomst/; do
  benchmarks/node_modules/.bin/lighthouse "http://127.0.0.1:$port$path" --quiet --output=json \
    --output-path="$work/report.json" --chrome-flags="$flags" >/dev/null 2>&1
  node -e '
    const r = require(process.argv[1]); const c = r.categories;
    const s = k => Math.round(c[k].score * 100);
    console.log(process.argv[2].padEnd(28), String(s("performance")).padStart(12),
      String(s("accessibility")).padStart(14), String(s("best-practices")).padStart(15), String(s("seo")).padStart(5));
  ' "$work/report.json" "$path"
done
