#!/usr/bin/env bash
# This bot's stack for benchmarks/turn_bench.py: scripts/lib.sh's start_services, in the current
# directory (the benchmark runs it in a temporary one, so the SQLite tracker store of
# endpoints.yml, var/tracker.db, is a fresh file there), then wait until stopped; SIGTERM stops
# every process it started. The caller sets the ports (RASA_PORT, ACTION_SERVER_PORT,
# LOAN_SERVICE_PORT, WIDGET_PORT), LOAN_DATABASE_URL, the tokens and RASA_MODEL.
#
#   bash benchmarks/stack.sh LOGDIR
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
LOG_NAME=bench-stack
logdir="${1:?usage: stack.sh LOGDIR}"
mkdir -p var "$logdir"
trap 'stop_all' EXIT
trap 'exit 143' INT TERM
start_services "$logdir"
log "stack ready"
wait
