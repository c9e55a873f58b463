#!/usr/bin/env bash
# Runs the platform locally: starts the services (FerretDB, RabbitMQ, Redis on loopback), then
# the five apps as separate processes from their TypeScript sources. Ctrl-C stops the apps.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

eval "$(bash tools/services/up.sh)"
export NODE_ENV=${NODE_ENV:-development} QUEUE_PREFIX=${QUEUE_PREFIX:-dev_} LOG_FORMAT=${LOG_FORMAT:-pretty}

apps=(partner-api:3001 assign-api:3002 dlq-admin:3003 poller:3004 sync-worker:3005)
pids=()
stop() {
  trap - INT TERM EXIT
  echo "[dev] stopping apps"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

for entry in "${apps[@]}"; do
  app=${entry%%:*} port=${entry##*:}
  HTTP_PORT=$port node --import tsx --conditions=@agair/source "apps/$app/src/main.ts" \
    > >(sed -u "s/^/[$app] /") 2>&1 &
  pids+=($!)
done

echo "[dev] apps starting:"
for entry in "${apps[@]}"; do
  app=${entry%%:*} port=${entry##*:}
  echo "[dev]   $app  http://127.0.0.1:$port/health/ready  (metrics: /metrics$( [[ $app == *-api || $app == dlq-admin ]] && echo ', OpenAPI UI: /documentation'))"
done
wait -n "${pids[@]}" || true
echo "[dev] an app exited; stopping the others"
