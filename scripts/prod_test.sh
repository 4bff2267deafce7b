#!/usr/bin/env bash
# make prod-test: the fault, soak and fuzz suite of the production topology (docs/production-tests.md)
#
#   scripts/prod_test.sh            the full suite (soak 300 s per configuration, 10,000 fuzz messages)
#   PROD_TEST_SHORT=1 scripts/prod_test.sh   the short one for CI (soak 60 s, 2,000 fuzz messages)
#
# It starts a throwaway PostgreSQL cluster (initdb, run as the postgres user) and a private
# redis-server, each on a private port with its data under var/prodsuite/, so that stopping them
# in the fault scenarios is real and harms nothing else on this machine; starts the topology on
# them with scripts/prod.sh up (a name, a directory and ports of its own; RabbitMQ is the
# machine's, with a queue and exchange of the suite's own name); runs the scenarios
# (python -m tests.prod.suite); prints the table; always takes everything down again; exits
# non-zero on any loss or failure.
#
# Settings (environment, all optional):
#   PROD_TEST_SOAK_SECONDS   seconds of each soak run (default 300; 60 with PROD_TEST_SHORT=1)
#   PROD_TEST_FUZZ           fuzz messages (default 10000; 2000 with PROD_TEST_SHORT=1)
#   PROD_TEST_KILL_ROUNDS    rounds of the kill -9 scenario, each replica in turn (default 2)
#   PROD_TEST_REMINDER_DELAY seconds from setting the reminder to its due time (default 60)
#   PROD_TEST_SCENARIOS      a comma-separated subset (kill,faults,reminder,wechat,soak,fuzz)
#   PROD_TEST_KEEP=1         leave the topology and the servers running at the end (debugging;
#                            take them down with `PROD_TEST_KEEP=0 scripts/prod_test.sh down`)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_NAME=prod-test

SUITE_DIR="$ROOT/var/prodsuite"
PG_BIN=/usr/lib/postgresql/15/bin
PGDATA_DIR="$SUITE_DIR/pg/data"
PG_SOCKET_DIR="$SUITE_DIR/pg/run"
REDIS_DIR="$SUITE_DIR/redis"
export PROD_DIR="$SUITE_DIR/prod"
# RabbitMQ is shared by the machine: a name per checkout, so two checkouts' suites never consume
# each other's events (the same checkout reuses it, so a later `down` finds what it started)
export PROD_NAME="prodsuite_$(printf '%s' "$ROOT" | sha256sum | cut -c1-8)"
STATE="$SUITE_DIR/suite.env"   # the ports chosen, for `down` and for the driver

if [ "${PROD_TEST_SHORT:-0}" = 1 ]; then
  export PROD_TEST_SOAK_SECONDS="${PROD_TEST_SOAK_SECONDS:-60}" PROD_TEST_FUZZ="${PROD_TEST_FUZZ:-2000}"
else
  export PROD_TEST_SOAK_SECONDS="${PROD_TEST_SOAK_SECONDS:-300}" PROD_TEST_FUZZ="${PROD_TEST_FUZZ:-10000}"
fi
export PROD_TEST_KILL_ROUNDS="${PROD_TEST_KILL_ROUNDS:-2}"
# the audit consumer copies events a killed replica saved but never published; in production
# after 60 s, here sooner so the suite's wait for the audit (30 s without progress) sees it
export AUDIT_REPAIR_SETTLE_SECONDS="${AUDIT_REPAIR_SETTLE_SECONDS:-10}" AUDIT_REPAIR_INTERVAL_SECONDS="${AUDIT_REPAIR_INTERVAL_SECONDS:-5}"

block_free() {  # block_free BASE: every port the topology and the suite's servers would use is free
  local offset
  for offset in 5 11 12 55 56 61 62 71 72 90 93 94; do
    port_free "$(($1 + offset))" || return 1
  done
}

choose_ports() {
  local base
  for base in 7900 8100 8300 8500 8700 8900; do
    if block_free "$base"; then
      PROD_PORT_BASE=$base
      PG_PORT=$((base + 93))
      REDIS_PORT=$((base + 94))
      return 0
    fi
  done
  die "no free block of ports for the suite (tried 79xx-89xx)"
}

# -- the private PostgreSQL cluster and Redis server --------------------------------------------

pg_ctl_as_postgres() { runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" "$@"; }

pg_start() {
  pg_ctl_as_postgres -l "$SUITE_DIR/pg/postgres.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_SOCKET_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on" \
    start >/dev/null
}

pg_stop() { pg_ctl_as_postgres -m "${1:-fast}" -w -t 60 stop >/dev/null 2>&1 || true; }

redis_start() {
  setsid redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" --appendonly yes \
    --appendfsync everysec --save "" --protected-mode yes --daemonize no --logfile "$REDIS_DIR/redis.log" \
    </dev/null >/dev/null 2>&1 &
  echo $! > "$REDIS_DIR/redis.pid"
  for _ in $(seq 1 50); do
    redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.1
  done
  die "the suite's redis-server did not start (log: $REDIS_DIR/redis.log)"
}

redis_stop() {
  local pid
  pid="$(cat "$REDIS_DIR/redis.pid" 2>/dev/null)" || return 0
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$REDIS_DIR/redis.pid"
}

servers_up() {
  rm -rf "$SUITE_DIR/pg" "$REDIS_DIR"
  mkdir -p "$SUITE_DIR/pg" "$PG_SOCKET_DIR" "$REDIS_DIR"
  chown -R postgres:postgres "$SUITE_DIR/pg"
  log "a throwaway PostgreSQL cluster on 127.0.0.1:$PG_PORT (data: ${PGDATA_DIR#"$ROOT"/})"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$SUITE_DIR/pg/initdb.log" 2>&1 || { tail -n 20 "$SUITE_DIR/pg/initdb.log" >&2; die "initdb failed"; }
  pg_start
  log "a private redis-server on 127.0.0.1:$REDIS_PORT (append-only file: ${REDIS_DIR#"$ROOT"/})"
  redis_start
}

servers_down() {
  redis_stop
  [ -d "$PGDATA_DIR" ] && pg_stop immediate
  rm -rf "$PGDATA_DIR" "$REDIS_DIR/appendonlydir" "$SUITE_DIR/model.tar.gz"
}

# -- the topology --------------------------------------------------------------------------------

prod() { PROD_PORT_BASE="$PROD_PORT_BASE" PG_PORT="$PG_PORT" REDIS_PORT="$REDIS_PORT" bash "$ROOT/scripts/prod.sh" "$@"; }

teardown() {
  local code=$?
  trap - EXIT INT TERM
  if [ "${PROD_TEST_KEEP:-0}" = 1 ]; then
    log "PROD_TEST_KEEP=1: the topology and the servers keep running (scripts/prod_test.sh down stops them)"
    exit "$code"
  fi
  log "taking everything down"
  # purge: the processes, then this suite's databases (in the throwaway cluster anyway), its queue
  # and exchange in the machine's RabbitMQ, its Redis keys
  prod purge >"$SUITE_DIR/purge.log" 2>&1 || { tail -n 20 "$SUITE_DIR/purge.log" >&2; prod down >/dev/null 2>&1 || true; }
  servers_down
  rm -f "$STATE"
  exit "$code"
}

run_suite() {
  mkdir -p "$SUITE_DIR"
  [ "$(id -u)" -eq 0 ] || die "the suite runs its own PostgreSQL as the postgres user: run it as root"
  [ -x "$PG_BIN/initdb" ] || die "no $PG_BIN/initdb (apt-get install postgresql-15)"
  command -v redis-server >/dev/null || die "no redis-server (apt-get install redis-server)"
  [ -x "$PY" ] || die "no .venv: run scripts/setup.sh first"
  if [ -f "$STATE" ]; then
    log "an earlier run did not finish: taking it down first"
    down
  fi
  choose_ports
  printf 'PROD_PORT_BASE=%s\nPG_PORT=%s\nREDIS_PORT=%s\n' "$PROD_PORT_BASE" "$PG_PORT" "$REDIS_PORT" > "$STATE"
  local started=$SECONDS
  trap teardown EXIT
  trap 'exit 130' INT TERM
  servers_up
  log "scripts/prod.sh up (topology '$PROD_NAME', ports $PROD_PORT_BASE+, logs ${PROD_DIR#"$ROOT"/}/logs)"
  local up_started=$SECONDS
  PROD_DEMO_DATA=1 prod up >"$SUITE_DIR/up.log" 2>&1 || { tail -n 30 "$SUITE_DIR/up.log" >&2; die "scripts/prod.sh up failed (log: ${SUITE_DIR#"$ROOT"/}/up.log)"; }
  export PROD_TEST_UP_SECONDS=$((SECONDS - up_started))
  log "the topology is up after ${PROD_TEST_UP_SECONDS}s; the scenarios:"
  export PROD_PORT_BASE PG_PORT REDIS_PORT PGDATA_DIR PG_SOCKET_DIR REDIS_DIR PROD_TEST_STARTED=$started
  "$PY" -m tests.prod.suite
}

down() {
  # shellcheck disable=SC1090
  [ -f "$STATE" ] && . "$STATE"
  : "${PROD_PORT_BASE:=7900}" "${PG_PORT:=7993}" "${REDIS_PORT:=7994}"
  if [ -d "$PGDATA_DIR" ] && ! runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
    pg_start || true
  fi
  prod purge >"$SUITE_DIR/purge.log" 2>&1 || prod down >/dev/null 2>&1 || true
  servers_down
  rm -f "$STATE"
}

# the driver calls these to stop and start the private servers in the fault scenarios
server_command() {
  # shellcheck disable=SC1090
  . "$STATE"
  case "$1" in
    pg-stop) pg_stop fast ;;
    pg-start) pg_start ;;
    redis-stop) redis_stop ;;
    redis-start) redis_start ;;
    *) die "unknown server command $1" ;;
  esac
}

case "${1:-run}" in
  run) run_suite ;;
  down) down ;;
  pg-stop|pg-start|redis-stop|redis-start) server_command "$1" ;;
  *) echo "usage: scripts/prod_test.sh [run|down]" >&2; exit 2 ;;
esac
