#!/usr/bin/env bash
# Installs everything the tests and the demo need on a fresh machine: npm packages (from
# package-lock.json), the compiled dist/, and the Python packages the tests use as independent
# peers (bag readers). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/npm_install.sh
npm run build
python3 -m pip install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
