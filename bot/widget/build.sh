#!/usr/bin/env bash
# Vendor the chat widget from the npm registry into build/widget/ (gitignored):
#   npm ci from the committed package-lock.json (no install scripts run), then copy the
#   prebuilt bundles: rasa-webchat's React-app build and React 16's UMD builds. The widget's
#   stylesheet imports a web font from Google; that @import is removed so the page never
#   reaches out to a CDN. rasa-webchat 1.0.1's socket.io factory ignores its protocolOptions
#   prop; it is patched to pass them to socket.io, so the page can send its login token in the
#   socket's auth (bot/widget/static/app.js). Both edits are checked. Nothing is rebuilt when
#   package-lock.json and this script have not changed.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/build/widget"
log() { printf '\033[1;34m[widget]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[widget] %s\033[0m\n' "$*" >&2; exit 1; }

command -v npm >/dev/null 2>&1 || die "npm is not installed: install Node.js 18+ with npm (Debian: apt-get install nodejs npm)"
command -v node >/dev/null 2>&1 || die "node is not installed"

stamp="$(cat "$HERE/package-lock.json" "$HERE/build.sh" | sha256sum | cut -d' ' -f1)"
if [ -f "$OUT/.stamp" ] && [ "$(cat "$OUT/.stamp")" = "$stamp" ]; then
  log "chat widget is up to date ($OUT)"
  exit 0
fi

log "installing the chat widget from the npm registry (npm ci)"
(cd "$HERE" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null) \
  || die "npm ci failed in $HERE"

tmp="$(mktemp -d "$ROOT/build/.widget.XXXXXX" 2>/dev/null || { mkdir -p "$ROOT/build" && mktemp -d "$ROOT/build/.widget.XXXXXX"; })"
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
mods="$HERE/node_modules"
cp "$mods/react/umd/react.production.min.js" "$tmp/react.production.min.js"
cp "$mods/react-dom/umd/react-dom.production.min.js" "$tmp/react-dom.production.min.js"
node - "$mods/rasa-webchat/module/index.js" "$tmp/rasa-webchat.js" <<'JS'
const fs = require("fs");
const [source, target] = process.argv.slice(2);
const font = /@import url\(https:\/\/fonts\.googleapis\.com\/[^)]*\);/g;
const code = fs.readFileSync(source, "utf8");
const cleaned = code.replace(font, "");
if (cleaned === code) { console.error("the widget no longer imports the web font: check build.sh"); process.exit(1); }
if (/fonts\.googleapis\.com/.test(cleaned)) { console.error("a web-font import is left in the widget"); process.exit(1); }
// socketio:function(url,customData,path){var opts=path?{path:path}:{},socket=io(url,opts); … }
const factory = /socketio:function\((\w+),(\w+),(\w+)\)\{var (\w+)=\3\?\{path:\3\}:\{\},/;
const patched = cleaned.replace(factory, (m, url, data, path, opts) =>
  `socketio:function(${url},${data},${path},hkProtocolOptions){var ${opts}=Object.assign({},hkProtocolOptions||{},${path}?{path:${path}}:{}),`);
if (patched === cleaned) { console.error("the widget's socket.io factory has changed: check build.sh"); process.exit(1); }
fs.writeFileSync(target, patched);
JS
for pkg in rasa-webchat react react-dom; do
  cp "$mods/$pkg/LICENSE" "$tmp/LICENSE.$pkg"
done
node -e 'const l=require(process.argv[1]).packages;const v=n=>l["node_modules/"+n].version;
console.log(JSON.stringify({"rasa-webchat":v("rasa-webchat"),"react":v("react"),"react-dom":v("react-dom")}))' \
  "$HERE/package-lock.json" > "$tmp/versions.json"
echo "$stamp" > "$tmp/.stamp"
rm -rf "$OUT"
mv "$tmp" "$OUT"
trap - EXIT
log "chat widget vendored into $OUT ($(cat "$OUT/versions.json"))"
