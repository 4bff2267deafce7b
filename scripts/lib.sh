# Shared helpers for scripts/run.sh and scripts/test.sh (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
RASA="$VENV/bin/rasa"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore SQLALCHEMY_SILENCE_UBER_WARNING=1

log() { printf '\033[1;34m[%s]\033[0m %s\n' "${LOG_NAME:-bot}" "$*"; }
die() { printf '\033[1;31m[%s] %s\033[0m\n' "${LOG_NAME:-bot}" "$*" >&2; exit 1; }

# quietly LOGFILE CMD...: run a noisy command (Rasa's CLI prints its dependencies' warnings)
# with its output in LOGFILE; on failure show the end of it
quietly() {
  local logfile="$1"; shift
  mkdir -p "$(dirname "$logfile")"
  if ! "$@" >"$logfile" 2>&1; then
    tail -n 40 "$logfile" >&2
    die "failed: $* (whole output: $logfile)"
  fi
}

PIDS=()
# start NAME LOGFILE CMD...: run a command in its own process group, remember it for stop_all
start() {
  local name="$1" logfile="$2"; shift 2
  mkdir -p "$(dirname "$logfile")"
  setsid "$@" >"$logfile" 2>&1 &
  PIDS+=("$!")
  log "started $name (pid $!, log $logfile)"
}

stop_all() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  PIDS=()
}

# wait_for URL SECONDS NAME LOGFILE
wait_for() {
  local url="$1" seconds="$2" name="$3" logfile="$4"
  for _ in $(seq 1 "$seconds"); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 1
  done
  tail -n 30 "$logfile" >&2 || true
  die "$name did not come up at $url within ${seconds}s (log: $logfile)"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# rasa_train ARGS...: `rasa train` in the environment of config/training.env (reproducible)
rasa_train() {
  quietly "$ROOT/models/train.log" bash -c 'cd "$1" && shift && set -a && . config/training.env && set +a && exec "$@"' \
    _ "$ROOT" "$RASA" train "$@"
}

# train_if_needed: Rasa's fingerprinting retrains only when data/config/domain changed; the
# project's NLU code (quantity reader included), jieba dictionary, typo table and quantity word
# lists are not part of Rasa's fingerprint, so a change to them forces a retrain through a stamp
# of their own.
# One training at a time per checkout (make run, make test, scripts/prod.sh): the lock is held in
# a subshell, so no service started afterwards inherits it.
train_if_needed() {
  mkdir -p "$ROOT/models"
  (
    flock -n 7 || { log "another training is running in this checkout: waiting for it"; flock 7; }
    local stamp_file="$ROOT/models/.nlu-code-stamp" stamp
    stamp="$(cat "$ROOT"/bot/nlu/*.py "$ROOT"/bot/nlu/quantities/*.py "$ROOT"/bot/nlu/quantities/scanner/*.py \
      "$ROOT"/data/jieba/*.txt "$ROOT"/data/normalization/*.txt "$ROOT"/data/quantities/*.txt \
      "$ROOT/config/training.env" 2>/dev/null | sha256sum | cut -d' ' -f1)"
    if ls "$ROOT"/models/*.tar.gz >/dev/null 2>&1 && [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp" ]; then
      rasa_train --quiet --fixed-model-name current
    else
      log "training the model (NLU code, dictionary or typo table changed, or no model yet)"
      rasa_train --quiet --force --fixed-model-name current
    fi
    echo "$stamp" > "$stamp_file"
  ) 7>"$ROOT/models/.train.lock"
}

# secret: a fresh random token (URL-safe), for the services' shared secrets
secret() { "$PY" -c 'import secrets; print(secrets.token_urlsafe(32))'; }

# start_services LOGDIR: loan ledger (SQLite by default), action server, Rasa server and the
# chat page (bot/widget, vendored by bot/widget/build.sh when needed). Every service listens on
# 127.0.0.1; every shared secret is random per run unless already set in the environment:
#   LOAN_SERVICE_TOKEN  the actions → the loan ledger
#   ACTION_SERVER_TOKEN Rasa → the action server (endpoints.yml sends it)
#   RASA_API_TOKEN      Rasa's HTTP API (--auth-token) and the debug shell's channel
#   IDENTITY_SECRET     the channels sign each message's identity, the actions check it
#   WIDGET_JWT_SECRET   the page's demo login signs tokens, the widget channel verifies them
#   REST_CHANNEL_TOKEN  the REST channel (tests and integrations)
# RASA_MODEL picks another model than models/current.tar.gz (benchmarks/turn_bench.py).
# BOT_DEV_MODE=1: the debug shell may choose the borrower and the date, the page offers the demo
# login (bot/channels/identity.py). The production configuration never sets it.
start_services() {
  local logdir="$1"
  mkdir -p "$ROOT/var"   # the SQLite tracker store (endpoints.yml) lives in var/tracker.db
  export LOAN_SERVICE_TOKEN="${LOAN_SERVICE_TOKEN:-$(secret)}"
  export ACTION_SERVER_TOKEN="${ACTION_SERVER_TOKEN:-$(secret)}"
  export RASA_API_TOKEN="${RASA_API_TOKEN:-$(secret)}"
  export IDENTITY_SECRET="${IDENTITY_SECRET:-$(secret)}"
  export WIDGET_JWT_SECRET="${WIDGET_JWT_SECRET:-$(secret)}"
  export REST_CHANNEL_TOKEN="${REST_CHANNEL_TOKEN:-$(secret)}"
  export BOT_DEV_MODE="${BOT_DEV_MODE:-1}"
  export LOAN_SERVICE_PORT="${LOAN_SERVICE_PORT:-5056}"
  export LOAN_SERVICE_URL="${LOAN_SERVICE_URL:-http://127.0.0.1:$LOAN_SERVICE_PORT}"
  export ACTION_SERVER_PORT="${ACTION_SERVER_PORT:-5055}"
  export ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://127.0.0.1:$ACTION_SERVER_PORT/webhook}"
  export RASA_PORT="${RASA_PORT:-5005}"
  export WIDGET_PORT="${WIDGET_PORT:-8080}"
  for port in "$LOAN_SERVICE_PORT" "$ACTION_SERVER_PORT" "$RASA_PORT" "$WIDGET_PORT"; do
    port_free "$port" || die "port $port is already in use: stop whatever runs there (another 'make run'?) and try again"
  done
  (cd "$ROOT" && "$PY" -m bot.loans migrate >/dev/null && "$PY" -m bot.loans seed --demo >/dev/null) \
    || die "could not prepare the loan database"
  # the ledger's reminder scheduler delivers due reminders through Rasa's authenticated API
  RASA_URL="http://127.0.0.1:$RASA_PORT" start "loan service" "$logdir/loans.log" "$PY" -m bot.loans serve
  start "action server" "$logdir/actions.log" "$PY" -m bot.action_server --host 127.0.0.1 --port "$ACTION_SERVER_PORT"
  start "rasa server" "$logdir/rasa.log" "$RASA" run --enable-api --auth-token="$RASA_API_TOKEN" \
    --interface 127.0.0.1 --cors "http://127.0.0.1:$WIDGET_PORT" --port "$RASA_PORT" \
    --model "${RASA_MODEL:-$ROOT/models/current.tar.gz}" --credentials "$ROOT/credentials.yml" --endpoints "$ROOT/endpoints.yml"
  bash "$ROOT/bot/widget/build.sh" \
    || log "the chat widget could not be vendored (needs npm): the chat page will say how to build it"
  start "chat page" "$logdir/widget.log" "$PY" -m bot.widget serve --port "$WIDGET_PORT" \
    --rasa-url "http://127.0.0.1:$RASA_PORT"
  wait_for "http://127.0.0.1:$LOAN_SERVICE_PORT/health" 60 "loan service" "$logdir/loans.log"
  wait_for "http://127.0.0.1:$ACTION_SERVER_PORT/health" 120 "action server" "$logdir/actions.log"
  wait_for "http://127.0.0.1:$WIDGET_PORT/health" 60 "chat page" "$logdir/widget.log"
  wait_for "http://127.0.0.1:$RASA_PORT/status?token=$RASA_API_TOKEN" 300 "rasa server" "$logdir/rasa.log"
  log "chat page: http://127.0.0.1:$WIDGET_PORT/"
}
