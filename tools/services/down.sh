#!/usr/bin/env bash
# Stops the FerretDB started by up.sh. PostgreSQL, RabbitMQ and Redis belong to the machine
# and are left running.
set -euo pipefail
state_dir=${AGAIR_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/agair}
if [ -f "$state_dir/ferretdb.pid" ] && kill -0 "$(cat "$state_dir/ferretdb.pid")" 2>/dev/null; then
  kill "$(cat "$state_dir/ferretdb.pid")"
  echo "[services] FerretDB stopped"
fi
rm -f "$state_dir/ferretdb.pid"
