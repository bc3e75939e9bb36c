#!/usr/bin/env bash
# Install the system packages Celerity needs on Debian/Ubuntu, only those missing:
#   redis-server  - the managed Redis of `npm start`, and the tests' own Redis servers
#   chromium      - the browser of the Playwright e2e tests (it cannot download its own here)
#   curl          - the tests run the README's curl examples with it (test/readme-api.test.ts)
# Debian starts a system Redis on 6379 after installing redis-server; Celerity never uses it.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v curl >/dev/null 2>&1 || missing+=(curl)

if [ "${#missing[@]}" -eq 0 ]; then
  echo "System dependencies present (redis-server, chromium, curl)."
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi

echo "Installing ${missing[*]} with apt…"
# `env` passes DEBIAN_FRONTEND through sudo, which resets the environment.
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
