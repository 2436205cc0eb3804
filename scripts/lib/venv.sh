# Shared by ./scripts/serve and ./scripts/test: create .venv if needed and install the project.
# Re-installs only when pyproject.toml changed (stamp file in .venv).
ensure_venv() {
  local extras="${1:-}"
  local py="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    echo "spiegel: creating .venv" >&2
    "$py" -m venv .venv
  fi
  local stamp=".venv/.spiegel-installed${extras:+-$extras}"
  local want
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "spiegel: installing dependencies${extras:+ ($extras)}" >&2
    local log=.venv/pip-install.log
    if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras:+[$extras]}" >"$log" 2>&1; then
      cat "$log" >&2
      echo "spiegel: installing dependencies failed (log above)" >&2
      return 1
    fi
    echo "$want" > "$stamp"
  fi
}
export NO_MKDOCS_2_WARNING=1
