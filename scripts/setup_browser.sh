#!/usr/bin/env bash
# Debian's Chromium for the Playwright browser tests (Playwright's own browser download does not
# work offline), the fonts that make Chinese text and emoji render in it (screenshots, layout
# checks), and the chat widget vendored from the npm registry.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
PACKAGES=(chromium fonts-noto-cjk fonts-noto-color-emoji)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]} (apt)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ -x /usr/bin/chromium ] || { echo "[setup] /usr/bin/chromium is missing after installing chromium" >&2; exit 1; }
if [ -f "$ROOT/bot/widget/package.json" ]; then
  bash "$ROOT/bot/widget/build.sh"
fi
