#!/usr/bin/env bash
# The production topology on this machine (docs/production.md):
#
#   scripts/prod.sh up       start it (idempotent) and wait until every part is healthy through
#                            the load balancer
#   scripts/prod.sh down     stop every process `up` started, and only those
#   scripts/prod.sh status   each process, its health in HAProxy, the audit trail; exit 1 unless
#                            everything is up
#   scripts/prod.sh check    the deploy manifests, offline: haproxy -c, docker compose config,
#                            the Kubernetes schemas
#   scripts/prod.sh purge    down, then drop this topology's databases, queue, exchange and
#                            Redis keys
#   scripts/prod.sh stop NAME | kill NAME | start NAME
#                            one component (rasa-1 rasa-2 actions-1 actions-2 ledger-1 ledger-2
#                            audit haproxy): stop it, kill -9 its process group, start what is
#                            not running
#
# Two Rasa servers, two action servers and two loan ledgers, each on its own loopback port,
# behind HAProxy (one frontend port each); PostgreSQL for the trackers, the ledger and the audit
# trail (a database each, created here); Redis for the lock store and the WeChat channel's
# state; RabbitMQ for Rasa's event broker, with the audit consumer recording every event.
#
# Settings (environment, all optional):
#   PROD_DIR        state, logs and pids (default var/prod)
#   PROD_NAME       names this topology's databases, queue, exchange and Redis keys (default prod)
#   PROD_PORT_BASE  ports: LB base+5 (Rasa), base+55 (actions), base+56 (ledger), base+90
#                   (HAProxy statistics); replicas base+11/12, base+61/62, base+71/72 (default 7000)
#   PROD_REDIS_DB   Redis database of the lock store and the channel state (default 5)
#   PROD_DEMO_DATA=1  seed the four demo borrowers into the ledger (tests, demos)
#   PROD_CORS_ORIGIN  the chat page's origin, if the widget is served from another one
#   PG_HOST PG_PORT PG_USER PG_PASSWORD, REDIS_HOST REDIS_PORT, RABBITMQ_HOST RABBITMQ_PORT
#   RABBITMQ_USERNAME RABBITMQ_PASSWORD (default: this machine's servers)
#   WIDGET_JWT_SECRET, WECHAT_TOKEN WECHAT_APP_ID WECHAT_APP_SECRET WECHAT_ENCODING_AES_KEY
#   WECHAT_API_BASE_URL: shared with the lender's login and WeChat, so taken from the environment
#                   when set; otherwise random (and the WeChat API on a closed port)
# The internal secrets (RASA_API_TOKEN, ACTION_SERVER_TOKEN, LOAN_SERVICE_TOKEN, IDENTITY_SECRET)
# are new on every `up` that starts from nothing; all settings go to $PROD_DIR/prod.env (0600).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_NAME=prod

# What the embedded default (scripts/lib.sh start_services: make run, make test) exports never
# reaches the production processes, whatever shell calls this: development mode above all
# (BOT_DEV_MODE with BOT_ENV=production fails every action), and its ports, URLs and REST token.
unset BOT_DEV_MODE REST_CHANNEL_TOKEN LOAN_SERVICE_PORT ACTION_SERVER_PORT ACTION_SERVER_URL \
  RASA_PORT WIDGET_PORT RASA_MODEL

PROD_DIR="${PROD_DIR:-$ROOT/var/prod}"
case "$PROD_DIR" in /*) ;; *) PROD_DIR="$ROOT/$PROD_DIR" ;; esac
PROD_NAME="${PROD_NAME:-prod}"
[[ "$PROD_NAME" =~ ^[a-z][a-z0-9_]{0,30}$ ]] || die "PROD_NAME must be lower-case letters, digits and _ (got '$PROD_NAME')"
BASE="${PROD_PORT_BASE:-7000}"
[[ "$BASE" =~ ^[0-9]+$ ]] && [ "$BASE" -ge 1024 ] && [ "$BASE" -le 65000 ] || die "PROD_PORT_BASE must be a number between 1024 and 65000"
ENV_FILE="$PROD_DIR/prod.env"
PID_DIR="$PROD_DIR/pids"
LOG_DIR="$PROD_DIR/logs"
HAPROXY_CFG="$ROOT/deploy/haproxy/haproxy.cfg"
REPLICAS=(1 2)
COMPONENTS=(ledger-1 ledger-2 actions-1 actions-2 audit rasa-1 rasa-2 haproxy)

# -- processes: pid files hold "pid start-time"; only a live process with that start time is ours

proc_start() {  # proc_start PID: the process's start time (clock ticks after boot), or fail
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  # shellcheck disable=SC2086
  set -- $stat
  echo "${20}"
}

pid_of() {  # pid_of NAME: the pid of our live process NAME, or fail
  local pid start
  [ -f "$PID_DIR/$1.pid" ] || return 1
  read -r pid start < "$PID_DIR/$1.pid" || return 1
  [ -n "$pid" ] && [ "$(proc_start "$pid" 2>/dev/null)" = "$start" ] || return 1
  echo "$pid"
}

ours() {  # ours PID: the process carries this topology's marker in its environment
  { tr '\0' '\n' < "/proc/$1/environ"; } 2>/dev/null | grep -qxF "PROD_INSTANCE=$PROD_DIR"
}

group_members() {  # group_members PGID: our processes in that process group
  local member
  for member in $(pgrep -g "$1" 2>/dev/null || true); do
    if ours "$member"; then echo "$member"; fi  # a member may exit meanwhile: not an error
  done
  return 0
}

launch() {  # launch NAME CMD...: start CMD in a session of its own, unless NAME already runs
  local name="$1" pid start logfile="$LOG_DIR/$1.log"; shift
  if pid="$(pid_of "$name")"; then
    log "$name already running (pid $pid)"
    return 0
  fi
  printf '\n=== %s: started by scripts/prod.sh up\n' "$(date -Is)" >> "$logfile"
  setsid env PROD_INSTANCE="$PROD_DIR" "$@" >>"$logfile" 2>&1 </dev/null 9>&- &  # 9: the lock of up/down
  pid=$!
  for _ in $(seq 1 20); do start="$(proc_start "$pid")" && break; sleep 0.05; done
  [ -n "${start:-}" ] || { tail -n 20 "$logfile" >&2; die "$name exited at once (log: ${logfile#"$ROOT"/})"; }
  echo "$pid $start" > "$PID_DIR/$name.pid"
  log "started $name (pid $pid, log ${logfile#"$ROOT"/})"
}

stop_component() {  # stop_component NAME: TERM its process group, KILL what is left after 15 s
  local name="$1" pid start members
  [ -f "$PID_DIR/$name.pid" ] || return 0
  read -r pid start < "$PID_DIR/$name.pid" || true
  if [ -n "${pid:-}" ]; then
    members="$(group_members "$pid")"
    if [ -n "$members" ]; then
      # shellcheck disable=SC2086
      kill -TERM $members 2>/dev/null || true
      for _ in $(seq 1 150); do
        members="$(group_members "$pid")"
        [ -z "$members" ] && break
        sleep 0.1
      done
      if [ -n "$members" ]; then
        log "$name did not stop within 15 s: killing it"
        # shellcheck disable=SC2086
        kill -KILL $members 2>/dev/null || true
      fi
      log "stopped $name"
    fi
  fi
  rm -f "$PID_DIR/$name.pid"
}

any_running() {
  local name
  for name in "${COMPONENTS[@]}"; do pid_of "$name" >/dev/null && return 0; done
  return 1
}

# -- settings ------------------------------------------------------------------------------------

hex() { "$PY" -c "import secrets; print(secrets.token_hex($1))"; }

write_env_file() {
  local tmp="$ENV_FILE.tmp"
  ( umask 077
    cat > "$tmp" <<EOF
# The production topology's settings, written by scripts/prod.sh up ($(date -Is)); secrets: keep 0600
PROD_DIR=$PROD_DIR
PROD_NAME=$PROD_NAME
PROD_PORT_BASE=$BASE
BOT_ENV=production
# a turn's conversation lock (Rasa's default 60 s) outlives a replica killed mid-turn: the
# conversation's next message, on the other replica, waited for it; turns take < 5 s
TICKET_LOCK_LIFETIME=10
RASA_API_TOKEN=$(secret)
ACTION_SERVER_TOKEN=$(secret)
LOAN_SERVICE_TOKEN=$(secret)
IDENTITY_SECRET=$(secret)
WIDGET_JWT_SECRET=${WIDGET_JWT_SECRET:-$(secret)}
WECHAT_TOKEN=${WECHAT_TOKEN:-$(hex 16)}
WECHAT_APP_ID=${WECHAT_APP_ID:-wx$(hex 8)}
WECHAT_APP_SECRET=${WECHAT_APP_SECRET:-$(hex 16)}
WECHAT_ENCODING_AES_KEY=${WECHAT_ENCODING_AES_KEY:-}
WECHAT_API_BASE_URL=${WECHAT_API_BASE_URL:-http://127.0.0.1:9}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
PG_PASSWORD=${PG_PASSWORD:-}
TRACKER_DB_HOST=${PG_HOST:-127.0.0.1}
TRACKER_DB_PORT=${PG_PORT:-5432}
TRACKER_DB_USER=${PG_USER:-postgres}
TRACKER_DB_PASSWORD=${PG_PASSWORD:-}
TRACKER_DB_NAME=debt_helper_${PROD_NAME}_tracker
LEDGER_DB_NAME=debt_helper_${PROD_NAME}_ledger
AUDIT_DB_NAME=debt_helper_${PROD_NAME}_audit
REDIS_HOST=${REDIS_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-6379}
REDIS_DB=${PROD_REDIS_DB:-5}
CHANNEL_STATE_PREFIX=debt_helper:${PROD_NAME}:channels
RABBITMQ_HOST=${RABBITMQ_HOST:-127.0.0.1}
RABBITMQ_PORT=${RABBITMQ_PORT:-5672}
RABBITMQ_USERNAME=${RABBITMQ_USERNAME:-guest}
RABBITMQ_PASSWORD=${RABBITMQ_PASSWORD:-guest}
RABBITMQ_QUEUE=debt_helper_${PROD_NAME}_events
RABBITMQ_EXCHANGE=debt_helper_${PROD_NAME}_events
LB_BIND_ADDR=127.0.0.1
LB_RASA_PORT=$((BASE + 5))
LB_ACTIONS_PORT=$((BASE + 55))
LB_LEDGER_PORT=$((BASE + 56))
LB_STATS_PORT=$((BASE + 90))
LB_STATS_SOCKET=$PROD_DIR/haproxy.sock
LB_STATS_URL=http://127.0.0.1:$((BASE + 90))/stats
RASA_1=127.0.0.1:$((BASE + 11))
RASA_2=127.0.0.1:$((BASE + 12))
ACTIONS_1=127.0.0.1:$((BASE + 61))
ACTIONS_2=127.0.0.1:$((BASE + 62))
LEDGER_1=127.0.0.1:$((BASE + 71))
LEDGER_2=127.0.0.1:$((BASE + 72))
EOF
  )
  # derived values, from what was just written
  set -a; . "$tmp"; set +a
  local pg_auth="$PG_USER${PG_PASSWORD:+:$PG_PASSWORD}"
  cat >> "$tmp" <<EOF
LOAN_DATABASE_URL=postgresql://$pg_auth@$PG_HOST:$PG_PORT/$LEDGER_DB_NAME
AUDIT_DATABASE_URL=postgresql://$pg_auth@$PG_HOST:$PG_PORT/$AUDIT_DB_NAME
TRACKER_DATABASE_URL=postgresql://$pg_auth@$PG_HOST:$PG_PORT/$TRACKER_DB_NAME
RASA_URL=http://127.0.0.1:$LB_RASA_PORT
LOAN_SERVICE_URL=http://127.0.0.1:$LB_LEDGER_PORT
ACTION_ENDPOINT_URL=http://127.0.0.1:$LB_ACTIONS_PORT/webhook
EOF
  chmod 600 "$tmp"
  mv "$tmp" "$ENV_FILE"
}

load_env() {
  [ -f "$ENV_FILE" ] || return 1
  set -a; . "$ENV_FILE"; set +a
}

# -- what `up` needs on the machine --------------------------------------------------------------

ensure_haproxy() {
  command -v haproxy >/dev/null && return 0
  log "HAProxy is not installed: installing Debian's package (apt-get install haproxy)"
  [ "$(id -u)" -eq 0 ] || die "HAProxy is missing and this is not root: run 'sudo apt-get install haproxy' and try again"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >"$LOG_DIR/apt.log" 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$LOG_DIR/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >>"$LOG_DIR/apt.log" 2>&1 \
      || { tail -n 20 "$LOG_DIR/apt.log" >&2; die "could not install haproxy (log: ${LOG_DIR#"$ROOT"/}/apt.log)"; }
  fi
  # Debian's package may start its own service on the default config: leave it alone, it listens
  # on nothing of ours
  command -v haproxy >/dev/null || die "haproxy is still not on PATH after installing it"
}

check_servers() {
  "$PY" - <<'EOF' || die "a server this topology needs is not reachable (see above)"
import os, socket, sys
bad = []
for name, host, port in (("PostgreSQL", os.environ["PG_HOST"], os.environ["PG_PORT"]),
                         ("Redis", os.environ["REDIS_HOST"], os.environ["REDIS_PORT"]),
                         ("RabbitMQ", os.environ["RABBITMQ_HOST"], os.environ["RABBITMQ_PORT"])):
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
    except OSError as error:
        bad.append(f"{name} at {host}:{port}: {error}")
for line in bad:
    print(f"[prod] not reachable: {line}", file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}

check_ports() {
  local port
  for port in "$LB_RASA_PORT" "$LB_ACTIONS_PORT" "$LB_LEDGER_PORT" "$LB_STATS_PORT" \
              "${RASA_1##*:}" "${RASA_2##*:}" "${ACTIONS_1##*:}" "${ACTIONS_2##*:}" "${LEDGER_1##*:}" "${LEDGER_2##*:}"; do
    port_free "$port" || die "port $port is in use by something else: stop it, or choose other ports with PROD_PORT_BASE"
  done
}

prepare_model() {
  if [ -n "${PROD_MODEL:-}" ]; then
    cp "$PROD_MODEL" "$PROD_DIR/model.tar.gz"
  else
    train_if_needed
    cp "$ROOT/models/current.tar.gz" "$PROD_DIR/model.tar.gz"
  fi
}

# -- up / down / status ----------------------------------------------------------------------------

up() {
  mkdir -p "$PID_DIR" "$LOG_DIR"
  ensure_haproxy
  [ -x "$PY" ] || die "no .venv: run scripts/setup.sh first"
  if any_running && load_env; then
    log "topology '$PROD_NAME' is partly or wholly running: keeping its settings ($ENV_FILE)"
  else
    write_env_file
    load_env
    check_ports
  fi
  check_servers
  haproxy -c -q -f "$HAPROXY_CFG" || die "HAProxy refuses $HAPROXY_CFG"

  if ! pid_of rasa-1 >/dev/null || ! pid_of rasa-2 >/dev/null; then
    log "model: training if the data or code changed, else the current one"
    prepare_model
  fi
  log "databases: $TRACKER_DB_NAME, $LEDGER_DB_NAME, $AUDIT_DB_NAME"
  quietly "$LOG_DIR/setup-databases.log" "$PY" -m bot.topology databases
  quietly "$LOG_DIR/setup-databases.log" "$PY" -m bot.loans migrate
  if [ "${PROD_DEMO_DATA:-0}" = 1 ]; then
    quietly "$LOG_DIR/setup-databases.log" env -u BOT_ENV "$PY" -m bot.loans seed --demo
  fi
  quietly "$LOG_DIR/setup-databases.log" "$PY" -m bot.audit migrate
  quietly "$LOG_DIR/setup-databases.log" "$PY" -m bot.topology tracker-tables

  # each process gets the secrets it needs, not the others'
  local wechat=(-u WECHAT_TOKEN -u WECHAT_APP_ID -u WECHAT_APP_SECRET -u WECHAT_ENCODING_AES_KEY)
  local not_ledger=(env -u ACTION_SERVER_TOKEN -u IDENTITY_SECRET -u WIDGET_JWT_SECRET "${wechat[@]}"
                    -u AUDIT_DATABASE_URL -u RABBITMQ_PASSWORD)
  local not_actions=(env -u RASA_API_TOKEN -u WIDGET_JWT_SECRET "${wechat[@]}" -u LOAN_DATABASE_URL
                     -u AUDIT_DATABASE_URL -u TRACKER_DATABASE_URL -u RABBITMQ_PASSWORD)
  local not_audit=(env -u RASA_API_TOKEN -u ACTION_SERVER_TOKEN -u LOAN_SERVICE_TOKEN -u IDENTITY_SECRET
                   -u WIDGET_JWT_SECRET "${wechat[@]}" -u LOAN_DATABASE_URL)
  local not_rasa=(env -u LOAN_SERVICE_TOKEN -u LOAN_DATABASE_URL -u AUDIT_DATABASE_URL)
  local i address
  for i in "${REPLICAS[@]}"; do
    address="LEDGER_$i"; address="${!address}"
    launch "ledger-$i" "${not_ledger[@]}" "$PY" -m bot.loans serve --host 127.0.0.1 --port "${address##*:}"
  done
  for i in "${REPLICAS[@]}"; do
    address="ACTIONS_$i"; address="${!address}"
    launch "actions-$i" "${not_actions[@]}" "$PY" -m bot.action_server --host 127.0.0.1 --port "${address##*:}"
  done
  launch audit "${not_audit[@]}" "$PY" -m bot.audit consume
  local cors=()
  [ -n "${PROD_CORS_ORIGIN:-}" ] && cors=(--cors "$PROD_CORS_ORIGIN")
  for i in "${REPLICAS[@]}"; do
    address="RASA_$i"; address="${!address}"
    launch "rasa-$i" "${not_rasa[@]}" "$RASA" run --enable-api --auth-token="$RASA_API_TOKEN" --interface 127.0.0.1 \
      --port "${address##*:}" --model "$PROD_DIR/model.tar.gz" "${cors[@]}" \
      --credentials "$ROOT/config/credentials.production.yml" --endpoints "$ROOT/config/endpoints.production.yml"
  done
  launch haproxy env -i PATH="$PATH" LB_BIND_ADDR="$LB_BIND_ADDR" LB_RASA_PORT="$LB_RASA_PORT" \
    LB_ACTIONS_PORT="$LB_ACTIONS_PORT" LB_LEDGER_PORT="$LB_LEDGER_PORT" LB_STATS_PORT="$LB_STATS_PORT" \
    LB_STATS_SOCKET="$LB_STATS_SOCKET" RASA_1="$RASA_1" RASA_2="$RASA_2" ACTIONS_1="$ACTIONS_1" \
    ACTIONS_2="$ACTIONS_2" LEDGER_1="$LEDGER_1" LEDGER_2="$LEDGER_2" PROD_INSTANCE="$PROD_DIR" \
    haproxy -db -f "$HAPROXY_CFG"

  log "waiting until every replica answers"
  for i in "${REPLICAS[@]}"; do
    address="LEDGER_$i"; wait_for "http://${!address}/health" 60 "ledger-$i" "$LOG_DIR/ledger-$i.log"
    address="ACTIONS_$i"; wait_for "http://${!address}/health" 120 "actions-$i" "$LOG_DIR/actions-$i.log"
  done
  for i in "${REPLICAS[@]}"; do
    address="RASA_$i"; wait_for "http://${!address}/status?token=$RASA_API_TOKEN" 300 "rasa-$i" "$LOG_DIR/rasa-$i.log"
  done
  log "waiting until HAProxy sees every replica up"
  "$PY" -m bot.topology lb-status --wait 60 >"$LOG_DIR/lb-status.txt" \
    || { cat "$LOG_DIR/lb-status.txt" >&2; die "HAProxy does not see every replica up (log: ${LOG_DIR#"$ROOT"/}/haproxy.log)"; }
  wait_for "http://127.0.0.1:$LB_LEDGER_PORT/health" 10 "the ledger through HAProxy" "$LOG_DIR/haproxy.log"
  wait_for "http://127.0.0.1:$LB_ACTIONS_PORT/health" 10 "the action servers through HAProxy" "$LOG_DIR/haproxy.log"
  wait_for "http://127.0.0.1:$LB_RASA_PORT/status?token=$RASA_API_TOKEN" 10 "Rasa through HAProxy" "$LOG_DIR/haproxy.log"
  wait_for "http://127.0.0.1:$LB_RASA_PORT/webhooks/socketio/" 10 "socket.io through HAProxy" "$LOG_DIR/haproxy.log"
  for _ in $(seq 1 60); do
    "$PY" -m bot.audit status 2>/dev/null | grep -q '"queue_consumers": [1-9]' && break
    pid_of audit >/dev/null || { tail -n 20 "$LOG_DIR/audit.log" >&2; die "the audit consumer stopped"; }
    sleep 0.5
  done
  "$PY" -m bot.audit status 2>/dev/null | grep -q '"queue_consumers": [1-9]' \
    || die "the audit consumer does not consume (log: ${LOG_DIR#"$ROOT"/}/audit.log)"
  log "topology '$PROD_NAME' is up:"
  log "  Rasa (socket.io, WeChat webhook, HTTP API) http://127.0.0.1:$LB_RASA_PORT"
  log "  action servers http://127.0.0.1:$LB_ACTIONS_PORT   ledger http://127.0.0.1:$LB_LEDGER_PORT"
  log "  HAProxy statistics $LB_STATS_URL   settings and secrets ${ENV_FILE#"$ROOT"/} (0600)"
}

down() {
  local name i
  # the entry first, then the services behind it, the audit consumer last (it drains the queue)
  for name in haproxy rasa-1 rasa-2 actions-1 actions-2 ledger-1 ledger-2 audit; do
    stop_component "$name"
  done
  rm -f "$PROD_DIR/haproxy.sock"
  for i in "${COMPONENTS[@]}"; do [ ! -f "$PID_DIR/$i.pid" ] || die "could not stop $i"; done
  rm -f "$ENV_FILE"
  log "topology '$PROD_NAME' is down (logs kept in ${LOG_DIR#"$ROOT"/}; data kept in PostgreSQL)"
}

status() {
  local name pid ok=0 state
  if ! load_env; then
    log "topology '$PROD_NAME' is not up (no ${ENV_FILE#"$ROOT"/})"
    return 1
  fi
  printf '%-10s %-8s %-22s %s\n' component pid address state
  for name in "${COMPONENTS[@]}"; do
    local address="-"
    case "$name" in
      rasa-*) address="RASA_${name#rasa-}"; address="${!address}" ;;
      actions-*) address="ACTIONS_${name#actions-}"; address="${!address}" ;;
      ledger-*) address="LEDGER_${name#ledger-}"; address="${!address}" ;;
      haproxy) address="127.0.0.1:$LB_RASA_PORT,$LB_ACTIONS_PORT,$LB_LEDGER_PORT" ;;
    esac
    if pid="$(pid_of "$name")"; then state=running; else pid="-"; state="NOT RUNNING"; ok=1; fi
    printf '%-10s %-8s %-22s %s\n' "$name" "$pid" "$address" "$state"
  done
  echo
  echo "HAProxy's view ($LB_STATS_URL):"
  "$PY" -m bot.topology lb-status || ok=1
  echo
  echo "audit trail (rows recorded, messages waiting in $RABBITMQ_QUEUE):"
  "$PY" -m bot.audit status || ok=1
  return "$ok"
}

check() {
  [ -x "$PY" ] || die "no .venv: run scripts/setup.sh first"
  "$PY" -m pytest -q -p no:cacheprovider "$ROOT/tests/deploy/test_manifests.py"
}

mkdir -p "$PID_DIR" "$LOG_DIR"
exec 9>>"$PROD_DIR/.lock"  # one up/down/purge at a time per topology
case "${1:-}" in
  up) flock 9; up ;;
  down) flock 9; down ;;
  status) status ;;
  check) check ;;
  purge)
    flock 9
    load_env || { write_env_file; load_env; }  # the names of what to drop (still exported after down)
    down
    "$PY" -m bot.topology purge
    ;;
  stop|kill|start)
    name="${2:-}"
    [[ " ${COMPONENTS[*]} " == *" $name "* ]] || die "usage: scripts/prod.sh $1 NAME (NAME: ${COMPONENTS[*]})"
    case "$1" in
      stop) flock 9; stop_component "$name" ;;
      kill)  # kill -9 the component's process group, as a crash would (its pid file stays)
        pid="$(pid_of "$name")" || die "$name is not running"
        kill -KILL -- "-$pid"; log "killed $name (pid $pid) with SIGKILL" ;;
      start)  # start what does not run, with the topology's settings
        flock 9; load_env || die "topology '$PROD_NAME' is not up: scripts/prod.sh up"; up ;;
    esac
    ;;
  *) echo "usage: scripts/prod.sh up|down|status|check|purge|stop NAME|start NAME|kill NAME" >&2; exit 2 ;;
esac
