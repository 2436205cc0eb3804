# Shared by ./scripts/serve and ./scripts/test: create .venv if needed and install exactly the
# versions in the lock file (with hashes; ./scripts/lock updates it), then the project itself.
# Re-installs only when pyproject.toml or the lock file changed (stamp file in .venv).
ensure_venv() {
  local extras="${1:-}"
  local py="${PYTHON:-python3}"
  local lock="requirements${extras:+-$extras}.lock"
  if [ ! -x .venv/bin/python ]; then
    echo "spiegel: de Python-omgeving .venv wordt gemaakt" >&2
    "$py" -m venv .venv
  fi
  quiet_theme_banner
  local stamp=".venv/.spiegel-installed${extras:+-$extras}"
  local want
  want=$(cat pyproject.toml "$lock" | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "spiegel: de onderdelen uit $lock worden geïnstalleerd (de eerste keer duurt dat even)" >&2
    local log=.venv/pip-install.log
    if ! { .venv/bin/python -m pip install --quiet --disable-pip-version-check \
             --require-hashes --no-deps -r "$lock" &&
           .venv/bin/python -m pip install --quiet --disable-pip-version-check \
             --no-deps -e . ; } >"$log" 2>&1; then
      cat "$log" >&2
      echo "spiegel: het installeren is mislukt (zie de regels hierboven)" >&2
      return 1
    fi
    echo "$want" > "$stamp"
  fi
}

# Material 9.8 prints an English end-of-life banner on every `mkdocs` run unless
# NO_MKDOCS_2_WARNING is set before the theme is imported (before any hook runs). A .pth file
# sets it at interpreter start in this venv, so the documented `.venv/bin/mkdocs build` is quiet.
quiet_theme_banner() {
  local site
  site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
  local pth="$site/spiegel-quiet-banner.pth"
  if [ ! -f "$pth" ]; then
    echo 'import os; os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")' > "$pth"
  fi
}
export NO_MKDOCS_2_WARNING=1
