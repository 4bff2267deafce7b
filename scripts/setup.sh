#!/usr/bin/env bash
# Set up everything the project needs, idempotently:
#   1. find Python 3.10 (Rasa 3.6 needs it) and create .venv with it;
#   2. install the pinned dependencies (only when requirements changed);
#   3. build the project's own spaCy Chinese pipeline from the repo (only when its sources changed),
#      and fetch the intent model's pretrained token vectors from the package registry (once).
# Re-running on a ready machine takes a few seconds.
# Usage: scripts/setup.sh [--browser]   (--browser also installs Debian's Chromium and the widget)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
STATE="$VENV/.project-state"

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[setup] %s\033[0m\n' "$*" >&2; exit 1; }

# One set-up at a time (make run in one terminal, make test in another): the second waits for the
# first and then finds everything up to date.
mkdir -p "$ROOT/var"
exec 8>"$ROOT/var/.setup.lock"
if ! flock -n 8; then
  log "another set-up is running in this checkout: waiting for it"
  flock 8
fi

is_py310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; }

find_python310() {
  local candidate
  for candidate in ${PYTHON310:-} /root/.pyenv/versions/3.10.*/bin/python "$HOME"/.pyenv/versions/3.10.*/bin/python \
                   "$(command -v python3.10 || true)"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && is_py310 "$candidate" && { echo "$candidate"; return 0; }
  done
  return 1
}

# hash of the named files that exist (missing files and unmatched globs are skipped)
hash_of() {
  local f
  for f in "$@"; do if [ -f "$f" ]; then printf '%s\n' "$f"; cat "$f"; fi; done | sha256sum | cut -d' ' -f1
}

# 1. virtual environment ----------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ] || ! is_py310 "$VENV/bin/python"; then
  PY="$(find_python310)" || die "Python 3.10 not found. Rasa 3.6 needs Python 3.10: install it (e.g. 'pyenv install 3.10') or set PYTHON310=/path/to/python3.10."
  log "creating .venv with $PY"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
fi
mkdir -p "$STATE"

# 2. dependencies -----------------------------------------------------------------------
# pip_quietly ARGS...: pip with its output kept in a log; on failure, pip's own message and stop
pip_quietly() {
  local logfile="$STATE/pip.log"
  if ! "$VENV/bin/python" -m pip "$@" >"$logfile" 2>&1; then
    grep -v '^WARNING: Location' "$logfile" | tail -n 25 >&2
    die "pip $* failed (whole output: $logfile); the set-up stops here and will install again next time"
  fi
}

REQ_HASH="$(hash_of requirements.txt requirements/*.txt requirements.lock pyproject.toml)"
if [ "$(cat "$STATE/requirements" 2>/dev/null)" != "$REQ_HASH" ]; then
  log "installing pinned dependencies (first run: about two minutes)"
  rm -f "$STATE/requirements"   # stamped again only once everything below succeeded
  pip_quietly install --quiet --upgrade 'pip==24.0'
  pip_quietly install --quiet -r requirements.txt -c requirements.lock
  pip_quietly install --quiet --no-deps --no-build-isolation -e .
  "$VENV/bin/python" -m pip check || die "pip check found conflicting packages"
  echo "$REQ_HASH" > "$STATE/requirements"
else
  log "dependencies up to date"
fi

# 3. the project's spaCy pipeline (blank zh + jieba + entity ruler), built from data/ ------
# (the quantity reader too: the pipeline's finance_quantities component runs it)
SPACY_HASH="$(hash_of bot/nlu/*.py bot/nlu/quantities/*.py bot/nlu/quantities/*/*.py data/quantities/* \
  data/jieba/*.txt data/synonyms.yml data/lookups/*.yml requirements.lock)"
if [ ! -d build/spacy_zh_finance ] || [ "$(cat "$STATE/spacy" 2>/dev/null)" != "$SPACY_HASH" ]; then
  log "building the Chinese spaCy pipeline into build/spacy_zh_finance"
  "$VENV/bin/python" -m bot.nlu.spacy_pipeline build build/spacy_zh_finance >"$STATE/spacy.log" 2>&1 \
    || { tail -n 25 "$STATE/spacy.log" >&2; die "building the spaCy pipeline failed (whole output: $STATE/spacy.log)"; }
  echo "$SPACY_HASH" > "$STATE/spacy"
fi

# 3b. the intent model's pretrained token vectors (bot/nlu/pretrained.py): two files of the pinned
# wordllama wheel from the package registry, checked against their sha256; nothing if already there
if ! "$VENV/bin/python" -m bot.nlu.pretrained fetch >"$STATE/pretrained.log" 2>&1; then
  grep -v '^WARNING: Location' "$STATE/pretrained.log" | tail -n 10 >&2
  die "fetching the pretrained token vectors failed (whole output: $STATE/pretrained.log)"
fi

# 4. optional: browser for the widget tests and the vendored chat widget ------------------
if [ "${1:-}" = "--browser" ]; then
  bash "$ROOT/scripts/setup_browser.sh"
fi
log "ready"
