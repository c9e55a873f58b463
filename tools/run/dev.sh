#!/usr/bin/env bash
# Runs the platform locally for development: the services (FerretDB, RabbitMQ, Redis on loopback),
# the SatLoc Cloud simulator on :5080 and the five apps on 3001–3005, from their TypeScript
# sources, until Ctrl-C. Secrets for development are made once and kept in the state directory,
# so credentials stored in one run still decrypt in the next. (`npm run demo` is the guided tour.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

eval "$(bash tools/services/up.sh)"
state_dir=${AGAIR_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/agair}
mkdir -p "$state_dir"
if [ ! -f "$state_dir/dev.env" ]; then
  umask 077
  {
    echo "JWT_SECRET=$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex"))')"
    echo "CREDENTIAL_KEYS=dev1:$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64"))')"
    echo "CREDENTIAL_ACTIVE_KEY_ID=dev1"
  } > "$state_dir/dev.env"
fi
set -a
# shellcheck disable=SC1091
. "$state_dir/dev.env"
set +a
export NODE_ENV=${NODE_ENV:-development} QUEUE_PREFIX=${QUEUE_PREFIX:-dev_} LOG_FORMAT=${LOG_FORMAT:-pretty}
export SATLOC_BASE_URL=${SATLOC_BASE_URL:-http://127.0.0.1:5080/api/Satloc} POLL_CRON=${POLL_CRON:-'* * * * *'}

pids=()
stop() {
  trap - INT TERM EXIT
  echo "[dev] stopping"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

node --import tsx --conditions=@agair/source libs/partner-sdk/src/simulator/main.ts --port 5080 --log-delay-ms 15000 \
  > >(sed -u "s/^/[satloc-simulator] /") 2>&1 &
pids+=($!)

apps=(partner-api:3001 assign-api:3002 dlq-admin:3003 poller:3004 sync-worker:3005)
for entry in "${apps[@]}"; do
  app=${entry%%:*} port=${entry##*:}
  HTTP_PORT=$port node --import tsx --conditions=@agair/source "apps/$app/src/main.ts" \
    > >(sed -u "s/^/[$app] /") 2>&1 &
  pids+=($!)
done

echo "[dev] SatLoc Cloud simulator: http://127.0.0.1:5080/api/Satloc (user demo / demo-password, aircraft 101, 102)"
for entry in "${apps[@]}"; do
  app=${entry%%:*} port=${entry##*:}
  echo "[dev]   $app  http://127.0.0.1:$port/health/ready  (metrics: /metrics$( [[ $app == *-api || $app == dlq-admin ]] && echo ', OpenAPI UI: /documentation'))"
done
echo "[dev] tokens: JWT_SECRET from $state_dir/dev.env, then tools/auth/mint-token.ts --role admin"
wait -n "${pids[@]}" || true
echo "[dev] a process exited; stopping the others"
