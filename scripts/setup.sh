#!/usr/bin/env bash
# Set up a development environment: a virtualenv in .venv with flowdsl (editable) and the
# test tools. Idempotent: re-running only installs what changed.
#
#   scripts/setup.sh            flowdsl and its dependencies
#   scripts/setup.sh --dev      ... plus pytest, hypothesis, ruff, mypy
#
# Diagrams need a layout program: Graphviz's `dot` (installed here with apt-get when run as
# root on Debian/Ubuntu), else graphviz-pure from PyPI (flowdsl's `diagrams` extra).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

python=${PYTHON:-python3}
"$python" - <<'PY' || { echo "setup: flowdsl needs Python >= 3.11 (set PYTHON=...)" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY

if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi
extras=""
[[ ${1:-} == "--dev" ]] && extras="[dev]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"

if ! command -v dot >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing Graphviz (Debian package graphviz) for diagrams" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz; } >/dev/null \
    || echo "setup: apt-get could not install graphviz" >&2
fi
if ! command -v dot >/dev/null 2>&1 && [[ ! -x .venv/bin/graphviz-pure ]]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[diagrams]" \
    || echo "setup: no layout program for diagrams; install Graphviz (apt-get install graphviz, brew install graphviz, or https://graphviz.org/download/)" >&2
fi
