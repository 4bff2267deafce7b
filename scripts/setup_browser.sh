#!/usr/bin/env bash
# Debian's Chromium for the Playwright browser tests (Playwright's own browser download does not
# work offline), and the chat widget vendored from the npm registry.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
if [ ! -x /usr/bin/chromium ]; then
  log "installing Debian's chromium (apt)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ -f "$ROOT/bot/widget/package.json" ]; then
  bash "$ROOT/bot/widget/build.sh"
fi
