#!/usr/bin/env bash
# Installs the npm packages from package-lock.json (and builds dist/ via `prepare`), compiling
# better-sqlite3 against the local Node headers. Used by scripts/setup.sh and by CMakeLists.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

# better-sqlite3 12.x (the last line that supports Node 20) first tries to download a prebuilt
# addon from GitHub and otherwise compiles from source with node-gyp, which in turn downloads the
# Node headers unless told where they are. Point node-gyp at the running Node's own headers when
# that install ships them (/usr/include/node for distro packages, <prefix>/include/node for nvm or
# the official tarballs), so the build works with registry-only network access. The
# npm_package_config_node_gyp_* variables are node-gyp's own channel (npm >= 11 warns about unknown
# keys such as nodedir in .npmrc or npm_config_*).
node_prefix="$(node -p 'require("path").resolve(process.execPath, "..", "..")')"
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_prefix/include/node/common.gypi" ]; then
  export npm_package_config_node_gyp_nodedir="$node_prefix"
fi
export npm_package_config_node_gyp_jobs="${npm_package_config_node_gyp_jobs:-max}"

npm ci --no-audit --no-fund
# Fail here, naming the package, rather than with a segfault or a missing addon in the tests.
node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()" ||
  { echo "npm_install.sh: better-sqlite3 does not load; see 'npm rebuild better-sqlite3 --foreground-scripts'" >&2; exit 1; }
