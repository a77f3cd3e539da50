#!/usr/bin/env node
/*
 * Builds the optional native kernels (npm's `install` step for lnn_ros). A machine without a C
 * compiler, without Node headers, or on an unsupported platform still installs: lnn_ros then
 * trains with its portable kernels, and this prints why. LNN_ROS_NATIVE=0 skips the build.
 * node-gyp is npm's own (npm_config_node_gyp), and finds the headers as scripts/npm_install.sh
 * tells it to (npm_package_config_node_gyp_nodedir), so no network is needed.
 */
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');

function main() {
  if (process.env.LNN_ROS_NATIVE === '0') return 'skipped (LNN_ROS_NATIVE=0)';
  // Run by hand (not by npm): the node-gyp that ships with npm beside this node.
  const nodeGyp = process.env.npm_config_node_gyp || path.join(process.execPath, '..', '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const r = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--release'], { cwd: __dirname, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) {
    const lines = `${r.stdout || ''}\n${r.stderr || ''}\n${r.error ? r.error.message : ''}`.split('\n');
    const why = lines.find((l) => /error:|Error:|not found/.test(l)) || `node-gyp exited with ${r.status}`;
    return `not built (${why.replace(/^gyp ERR! stack /, '').trim()}); training uses the portable kernels`;
  }
  require(path.join(__dirname, 'build', 'Release', 'lnn_native.node'));
  return 'built';
}

let outcome;
try {
  outcome = main();
} catch (e) {
  outcome = `not built (${(e instanceof Error ? e.message : String(e)).split('\n')[0]}); training uses the portable kernels`;
}
console.log(`lnn_ros native kernels: ${outcome}`);
