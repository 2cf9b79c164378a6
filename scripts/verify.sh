#!/usr/bin/env bash
# The whole test suite, as CI runs it (`.ci/run`): static checks, generated-file staleness, tests,
# the benchmark's numbers. Idempotent; installs nothing by hand that the project does not install itself.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== typecheck";        npm run -s typecheck
echo "== lint";             npm run -s lint
echo "== generated files";  npm run -s codegen:check
echo "== tests";            npx vitest run
echo "== benchmark (numbers, not gates: npm run bench -- --strict on a quiet machine)"; npm run -s bench
