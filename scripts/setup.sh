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

# Debian packages the tests need: Chromium for the browser tests, Go with
# sprig for rendering the Helm charts (helm itself is not obtainable here),
# yamllint for the rendered manifests, bubblewrap for the local runner's
# build sandbox (without it local builds are refused).
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v bwrap >/dev/null || missing+=(bubblewrap)
command -v go >/dev/null || missing+=(golang-go)
[ -d /usr/share/gocode/src/github.com/Masterminds/sprig ] || missing+=(golang-github-masterminds-sprig-dev)
command -v yamllint >/dev/null || missing+=(yamllint)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "novahost: installing ${missing[*]} from Debian" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "novahost: please install: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

stamp=node_modules/.novahost-install-stamp
inputs="$(cat yarn.lock package.json packages/*/package.json plugins/*/package.json | sha256sum | cut -d' ' -f1) $(node --version)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$inputs" ]; then
  echo "novahost: installing dependencies with $(node --version), yarn $(yarn --version)" >&2
  yarn install --immutable
  echo "$inputs" > "$stamp"
fi

# The Node.js versions builds may use on the local runner (app-config's
# novahost.runner.local.nodeDirectory), from the npm registry: kept in
# .tools/build-node, so only the first run pays (≈40 s for three majors).
packages/build-runner/bin/provision-node .tools/build-node ${NOVAHOST_BUILD_NODE_MAJORS:-20 22 24}
