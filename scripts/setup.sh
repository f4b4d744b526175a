#!/usr/bin/env bash
# Installs what a fresh machine lacks: Node >= 22 (from the npm registry, via
# env.sh), the workspace's dependencies (only when yarn.lock or a
# package.json changed since the last install).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$NOVAHOST_ROOT"

if ! command -v git >/dev/null; then
  echo "novahost: git is required (apt-get install git)" >&2
  exit 1
fi

stamp=node_modules/.novahost-install-stamp
inputs="$(cat yarn.lock package.json packages/*/package.json plugins/*/package.json | sha256sum | cut -d' ' -f1) $(node --version)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$inputs" ]; then
  echo "novahost: installing dependencies with $(node --version), yarn $(yarn --version)" >&2
  yarn install --immutable
  echo "$inputs" > "$stamp"
fi
