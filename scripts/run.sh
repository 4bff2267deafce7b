#!/usr/bin/env bash
# Install everything (idempotent), train if needed, start the loan service, the action server
# and the Rasa server, then open the debug shell. Ctrl-C stops everything this script started.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_NAME=run
bash "$ROOT/scripts/setup.sh" "$@"
cd "$ROOT"
mkdir -p var/log
trap 'stop_all' EXIT
trap 'exit 130' INT TERM
train_if_needed
start_services "$ROOT/var/log"
log "chat page: http://127.0.0.1:$WIDGET_PORT/  (Rasa on 127.0.0.1:$RASA_PORT, logs in var/log/)"
"$PY" -m bot.shell --url "http://127.0.0.1:$RASA_PORT"
