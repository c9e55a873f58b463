#!/usr/bin/env bash
# Starts every service the platform and its integration tests need, on loopback only:
# PostgreSQL, RabbitMQ and Redis (if they are down) and FerretDB 1.x (MongoDB wire protocol)
# on 127.0.0.1:27017, backed by a dedicated PostgreSQL database. Idempotent: a service that
# already answers is left alone. Prints the environment variables to use.
#
#   FERRETDB_HANDLER=sqlite tools/services/up.sh    # FerretDB on SQLite instead of PostgreSQL
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
state_dir=${AGAIR_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/agair}
bin_dir=${AGAIR_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agair/bin}
ferret_port=${FERRETDB_PORT:-27017}
ferret_handler=${FERRETDB_HANDLER:-postgresql}
ferret_db=${FERRETDB_PG_DATABASE:-ferretdb}
mkdir -p "$state_dir" "$bin_dir"

# Never report anything to anyone: this machine talks to loopback only.
export DO_NOT_TRACK=1

log() { printf '[services] %s\n' "$*" >&2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # port name seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do port_open "$1" && return 0; sleep 0.1; done
  log "$2 did not open 127.0.0.1:$1 within $3 s" >&2
  return 1
}

# PostgreSQL (FerretDB's storage)
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  wait_port 5432 PostgreSQL 30
fi

# Redis
if ! port_open 6379; then
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_port 6379 Redis 30
fi

# RabbitMQ
if ! port_open 5672; then
  log "starting RabbitMQ"
  rabbitmq-server -detached
fi
rabbitmqctl -q await_startup --timeout 120 >/dev/null 2>&1 || {
  # the app may be stopped while the node runs (rabbitmqctl stop_app)
  rabbitmqctl -q start_app >/dev/null 2>&1 || true
  rabbitmqctl -q await_startup --timeout 60 >/dev/null
}
wait_port 5672 RabbitMQ 60

# FerretDB, built from its Go module through its embedding API (see tools/ferretdb/main.go)
ferret_bin="$bin_dir/ferretdb-embedded"
# rebuilt whenever go.mod, go.sum or any Go file under tools/ferretdb changes (names count too)
src_sum=$(
  cd "$repo/tools/ferretdb"
  { echo go.mod; echo go.sum; find . -type f -name '*.go' | LC_ALL=C sort; } |
    while IFS= read -r f; do printf '%s\0' "$f"; cat "$f"; done | sha256sum | cut -c1-16
)
if [ ! -x "$ferret_bin" ] || [ "$(cat "$ferret_bin.src" 2>/dev/null)" != "$src_sum" ]; then
  log "building FerretDB v1.24.2 (cached in $bin_dir)"
  (cd "$repo/tools/ferretdb" && go build -trimpath -o "$ferret_bin" .)
  echo "$src_sum" > "$ferret_bin.src"
fi

if ! port_open "$ferret_port"; then
  if [ "$ferret_handler" = postgresql ]; then
    psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$ferret_db'" | grep -q 1 ||
      psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE \"$ferret_db\""
    backend=(--handler=postgresql "--postgresql-url=postgres://postgres@127.0.0.1:5432/$ferret_db")
  else
    mkdir -p "$state_dir/ferretdb-sqlite"
    backend=(--handler=sqlite "--sqlite-url=file:$state_dir/ferretdb-sqlite/")
  fi
  log "starting FerretDB ($ferret_handler) on 127.0.0.1:$ferret_port"
  nohup "$ferret_bin" --listen-addr="127.0.0.1:$ferret_port" --telemetry=disable "${backend[@]}" \
    >>"$state_dir/ferretdb.log" 2>&1 </dev/null &
  echo $! > "$state_dir/ferretdb.pid"
  wait_port "$ferret_port" FerretDB 30 || { tail -n 20 "$state_dir/ferretdb.log" >&2; exit 1; }
elif [ "$(readlink "/proc/$(cat "$state_dir/ferretdb.pid" 2>/dev/null)/exe" 2>/dev/null)" = "$ferret_bin (deleted)" ]; then
  # left running (it may be serving tests), but say that it is not this build
  log "FerretDB on 127.0.0.1:$ferret_port runs an older build of tools/ferretdb; to use this one: npm run services:down && npm run services"
fi

log "ready"
cat <<ENV
export MONGO_URL=mongodb://127.0.0.1:$ferret_port/agair
export AMQP_URL=amqp://guest:guest@127.0.0.1:5672
export REDIS_URL=redis://127.0.0.1:6379
ENV
# where benchmarks read true table sizes (FerretDB's collStats leaves out TOAST)
[ "$ferret_handler" = postgresql ] && echo "export FERRETDB_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/$ferret_db"
exit 0
