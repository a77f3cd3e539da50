#!/usr/bin/env bash
# Installs the npm packages of package-lock.json into DIR (default: the repository), compiling the
# native addons against the local Node headers: better-sqlite3 always, and rclnodejs (an optional
# dependency) when a ROS 2 environment is sourced (ROS_DISTRO and AMENT_PREFIX_PATH set), which it
# is compiled against. Without ROS 2, rclnodejs's build fails and npm leaves it out, as for any
# optional dependency. Used by scripts/setup.sh and by CMakeLists.txt (colcon build).
#   --production   leave out the devDependencies (what colcon installs)
#   --no-scripts   install files only, run no install scripts (type declarations for tsc)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="$repo"
args=(--no-audit --no-fund)
for a in "$@"; do
  case "$a" in
    --production) args+=(--omit=dev) ;;
    --no-scripts) args+=(--ignore-scripts) ;;
    -*) echo "npm_install.sh: unknown option $a" >&2; exit 2 ;;
    *) dir="$a" ;;
  esac
done
if [ "$dir" != "$repo" ]; then
  # What npm ci reads, and the native kernels' sources that its install step builds.
  mkdir -p "$dir/native"
  cp "$repo/package.json" "$repo/package-lock.json" "$repo/.npmrc" "$dir/"
  find "$repo/native" -maxdepth 1 -type f -exec cp {} "$dir/native/" \;
fi
cd "$dir"

# better-sqlite3 12.x (the last line that supports Node 20) first tries to download a prebuilt
# addon from GitHub and otherwise compiles from source with node-gyp, which in turn downloads the
# Node headers unless told where they are. Point node-gyp at the running Node's own headers when
# that install ships them (/usr/include/node for distro packages, <prefix>/include/node for nvm or
# the official tarballs), so the build works with registry-only network access. The
# npm_package_config_node_gyp_* variables are node-gyp's own channel (npm >= 11 warns about unknown
# keys such as nodedir in .npmrc or npm_config_*); rclnodejs runs node-gyp through its own
# `npm run rebuild`, which reads npm_config_nodedir.
node_prefix="$(node -p 'require("path").resolve(process.execPath, "..", "..")')"
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_prefix/include/node/common.gypi" ]; then
  export npm_package_config_node_gyp_nodedir="$node_prefix"
  ros=${ROS_DISTRO:+${AMENT_PREFIX_PATH:+yes}}
  [ -n "$ros" ] && export npm_config_nodedir="$node_prefix"
fi
export npm_package_config_node_gyp_jobs="${npm_package_config_node_gyp_jobs:-max}"
# rclnodejs's install runs `npx rimraf`: answer npx's prompt when there is no terminal.
export npm_config_yes=true

npm ci "${args[@]}"

case " ${args[*]} " in *" --ignore-scripts "*) exit 0 ;; esac
# Fail here, naming the package, rather than with a segfault or a missing addon later.
node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()" ||
  { echo "npm_install.sh: better-sqlite3 does not load; see 'npm rebuild better-sqlite3 --foreground-scripts'" >&2; exit 1; }
if [ -n "${ROS_DISTRO:-}" ] && [ -n "${AMENT_PREFIX_PATH:-}" ]; then
  node -e "require('rclnodejs')" ||
    { echo "npm_install.sh: rclnodejs did not build against ROS 2 ${ROS_DISTRO}; see 'npm rebuild rclnodejs --foreground-scripts' in $dir" >&2; exit 1; }
fi
