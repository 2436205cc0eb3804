#!/usr/bin/env bash
# Lighthouse (mobile preset: slow 4G and 4x CPU simulated) for the home page, the leaflet and the
# sign-up page, against Debian's Chromium. A figure we report, not a test gate.
#
#   benchmarks/lighthouse.sh              this tree only
#   benchmarks/lighthouse.sh REF          this tree and git revision REF (the baseline), same run
#
# RUNS=n (default 3) runs per page and version; the median by performance score is printed.
# PAGES="/ /x/" (default: home, leaflet, sign-up) measures other pages (the suite's tiny mode: one).
# PYTHON=/path/to/python uses that interpreter instead of the project's .venv (created if missing).
# Lighthouse 12.8.2 comes from benchmarks/package-lock.json (`npm ci`; 13.x needs Node 22).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
baseline=${1:-}
runs=${RUNS:-3}
if [ -z "${PYTHON:-}" ]; then
  . scripts/lib/venv.sh
  ensure_venv
  PYTHON=$root/.venv/bin/python
fi
if [ ! -x benchmarks/node_modules/.bin/lighthouse ]; then
  (cd benchmarks && npm ci --silent --no-audit --no-fund >/dev/null)
fi
work=$(mktemp -d)
servers=()
trap 'for s in "${servers[@]}"; do kill "$s" 2>/dev/null || true; done; rm -rf "$work"' EXIT
export NO_MKDOCS_2_WARNING=1

build() {  # build <source tree> <site dir>
  (cd "$1" && PYTHONPATH="$1/scripts" "$PYTHON" -m mkdocs build -d "$2" >"$work/build.log" 2>&1) ||
    { cat "$work/build.log" >&2; exit 1; }
}
build "$root" "$work/this"
versions=(this)
if [ -n "$baseline" ]; then
  git clone -q --no-checkout "$root" "$work/base"
  git -C "$work/base" checkout -q "$(git rev-parse "$baseline")"
  build "$work/base" "$work/base/build/site"
  versions=(base this)
fi
# One server per build, each at the root of its own port (robots.txt and the 404 page in place).
port=${PORT:-8950}
servers=()
declare -A ports
for v in "${versions[@]}"; do
  site=$work/this
  [ "$v" = base ] && site=$work/base/build/site
  ports[$v]=$port
  SPIEGEL_DATABASE_URL="sqlite:///$work/lh-$v.sqlite3" PYTHONPATH="$root/scripts" \
    "$PYTHON" -m spiegel.serve --port "$port" --no-watch --site "$site" >"$work/serve-$v.log" 2>&1 &
  servers+=($!)
  for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/api/health" >/dev/null && break; sleep 0.2; done
  port=$((port + 1))
done

export CHROME_PATH=/usr/bin/chromium TMPDIR="$work"
flags="--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --host-resolver-rules=MAP\ *\ ~NOTFOUND,\ EXCLUDE\ 127.0.0.1"
summary='
  const r = require(process.argv[1]), c = r.categories, a = r.audits;
  const s = k => Math.round(c[k].score * 100);
  const ms = k => (a[k].numericValue / 1000).toFixed(2) + " s";
  console.log([s("performance"), ms("first-contentful-paint"), ms("largest-contentful-paint"),
    Math.round(a["total-blocking-time"].numericValue) + " ms", s("accessibility"),
    s("best-practices"), s("seo"), (a["total-byte-weight"].numericValue / 1024).toFixed(0) + " KiB"].join("\t"));'
printf '%-32s %-5s %5s %8s %8s %7s %5s %5s %5s %9s\n' \
  page build perf FCP LCP TBT a11y bp seo weight
for path in ${PAGES:-/ /spiegelbijeenkomst/ /spiegelbijeenkomst/aanmelden/}; do
  for v in "${versions[@]}"; do : >"$work/rows-$v"; done
  for _ in $(seq 1 "$runs"); do
    for v in "${versions[@]}"; do  # interleaved, so a busy moment hits both versions
      benchmarks/node_modules/.bin/lighthouse "http://127.0.0.1:${ports[$v]}$path" --quiet \
        --output=json --output-path="$work/report.json" --chrome-flags="$flags" >"$work/lh.log" 2>&1 ||
        { tail -20 "$work/lh.log" >&2; exit 1; }
      node -e "$summary" "$work/report.json" >>"$work/rows-$v"
    done
  done
  for v in "${versions[@]}"; do
    median=$(sort -n -k1,1 "$work/rows-$v" | sed -n "$(((runs + 1) / 2))p")
    IFS=$'\t' read -r perf fcp lcp tbt a11y bp seo weight <<<"$median"
    printf '%-32s %-5s %5s %8s %8s %7s %5s %5s %5s %9s\n' \
      "$path" "$v" "$perf" "$fcp" "$lcp" "$tbt" "$a11y" "$bp" "$seo" "$weight"
  done
done
