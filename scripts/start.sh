#!/usr/bin/env bash
# Runs Backstage (app :3000, backend :7007) and the Novahost proxy (:8080)
# on the embedded default; Ctrl-C stops all of them.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$NOVAHOST_ROOT"
mkdir -p .novahost

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

set -m
yarn start:proxy &
pids+=($!)
yarn start &
pids+=($!)
set +m
echo "novahost: Backstage on http://localhost:3000 (backend http://localhost:7007), sites on http://<slug>.localhost:8080" >&2
wait -n
