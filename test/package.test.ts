/**
 * What can be checked of the ROS 2 package without ROS 2: launch files compile, and every
 * executable, config file and topic they name exists and fits; package.xml and CMakeLists.txt
 * declare what the code uses.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readYamlFile } from '../lnn_ros/model/model_dir';
import { parseDriveConfig } from '../lnn_ros/nodes/drive_config';
import { parseTrainerConfig } from '../lnn_ros/nodes/trainer_node';
import { parseSimParameters } from '../lnn_ros/sim/sim_params';
import { parseTrainConfig } from '../lnn_ros/train/train_config';
import { loadNodeParameters } from '../lnn_ros/transport/params';

const ROOT = path.join(__dirname, '..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');
const LAUNCH = fs.readdirSync(path.join(ROOT, 'launch')).filter((f) => f.endsWith('.launch.py')).map((f) => `launch/${f}`);

describe('ROS 2 package files', () => {
  it('has the three launch files, and they compile', () => {
    assert.deepEqual(LAUNCH.sort(), ['launch/drive.launch.py', 'launch/sim.launch.py', 'launch/train.launch.py']);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-pyc-'));
    for (const f of LAUNCH) {
      const r = spawnSync('python3', ['-c', `import py_compile,sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)`, path.join(ROOT, f), path.join(out, 'x.pyc')], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${f}: ${r.stderr}`);
    }
  });

  it('installs every executable the launch files start, each mapped to a CLI command', () => {
    const cmake = read('CMakeLists.txt');
    const installed = /foreach\(executable ([^)]*)\)/.exec(cmake)![1].split(/\s+/);
    const dispatcher = read('ros/lnn_ros_node');
    const commands = read('lnn_ros/cli/main.ts');
    for (const f of LAUNCH) {
      for (const [, pkg, exe] of read(f).matchAll(/package='([^']+)', executable='([^']+)'/g)) {
        if (pkg !== 'lnn_ros') continue;
        assert.ok(installed.includes(exe), `${f}: ${exe} is not installed by CMakeLists.txt`);
        const command = new RegExp(`${exe}\\) set -- (\\w+)`).exec(dispatcher)?.[1];
        assert.ok(command && new RegExp(`\\n  ${command}: \\{`).test(commands), `${exe} → lnn-ros ${command}`);
      }
    }
  });

  it('ships valid config files for every node the launch files start', () => {
    const drive = loadNodeParameters([path.join(ROOT, 'config/drive.yaml')], '/drive_node');
    const config = parseDriveConfig(drive.params, drive.file);
    assert.ok(fs.existsSync(path.join(config.policy, 'policy.yaml')), `drive.yaml's policy ${config.policy} exists`);
    const sim = loadNodeParameters([path.join(ROOT, 'config/sim.yaml')], '/lnn_sim');
    parseSimParameters(sim.params, sim.file);
    const trainer = loadNodeParameters([path.join(ROOT, 'config/train.yaml')], '/trainer_node');
    const job = parseTrainerConfig(trainer.params, trainer.file).job;
    parseTrainConfig(readYamlFile(job), job);
    for (const f of LAUNCH) {
      for (const [, file] of read(f).matchAll(/'config', '([^']+)'/g)) assert.ok(fs.existsSync(path.join(ROOT, 'config', file)), `${f}: config/${file}`);
      for (const [, file] of read(f).matchAll(/'worlds', '([^']+)'/g)) assert.ok(fs.existsSync(path.join(ROOT, 'worlds', file)), `${f}: worlds/${file}`);
    }
  });

  it('bridges the topics drive_node listens to and publishes on', () => {
    const drive = loadNodeParameters([path.join(ROOT, 'config/drive.yaml')], '/drive_node');
    const config = parseDriveConfig(drive.params, drive.file);
    const bridged = [...read('launch/sim.launch.py').matchAll(/'(\/[\w/]+)@/g)].map((m) => m[1]);
    // The shipped topics are relative: without a namespace they are these absolute ones.
    const absolute = (t: string) => (t.startsWith('/') ? t : `/${t}`);
    for (const input of Object.values(config.inputs)) assert.ok(bridged.includes(absolute(input.topic!)), `${input.topic} is bridged`);
    assert.ok(bridged.includes(absolute(config.command.topic)));
    const world = read('worlds/lane_world.sdf');
    for (const topic of bridged.filter((t) => t !== '/clock')) assert.ok(world.includes(`>${topic}<`), `the world publishes or reads ${topic}`);
  });

  it('declares in package.xml every ROS package the code and launch files use', () => {
    const xml = read('package.xml');
    const declared = new Set([...xml.matchAll(/<(?:depend|exec_depend|build_depend|buildtool_depend)>([^<]+)</g)].map((m) => m[1]));
    const used = new Set<string>();
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts')) for (const [, pkg] of fs.readFileSync(p, 'utf8').matchAll(/'([a-z_]+)\/msg\/[A-Z]\w*'/g)) used.add(pkg);
      }
    };
    walk(path.join(ROOT, 'lnn_ros/nodes'));
    walk(path.join(ROOT, 'lnn_ros/sim'));
    for (const f of LAUNCH) for (const [, pkg] of read(f).matchAll(/(?:package=|get_package_share_directory\()'([a-z_]+)'/g)) used.add(pkg);
    for (const [, pkg] of read('launch/drive.launch.py').matchAll(/^from (\w+)/gm)) used.add(pkg);
    used.delete('lnn_ros');
    const missing = [...used].filter((p) => !declared.has(p));
    assert.deepEqual(missing, [], `package.xml lacks ${missing.join(', ')}`);
    assert.match(read('CMakeLists.txt'), /rosidl_generate_interfaces\(\$\{PROJECT_NAME\} \$\{LNN_ROS_MSGS\} DEPENDENCIES builtin_interfaces std_msgs\)/);
  });

  it('builds as colcon builds it: C and C++ for the messages, tsc on every source change, production packages installed', () => {
    const cmake = read('CMakeLists.txt');
    // rosidl_generate_interfaces builds C and C++ type support: `project(... NONE)` fails at configure.
    assert.match(cmake, /^project\(lnn_ros C CXX\)$/m);
    const glob = /file\(GLOB_RECURSE (\w+) CONFIGURE_DEPENDS \$\{CMAKE_CURRENT_SOURCE_DIR\}\/lnn_ros\/\*\.ts\)/.exec(cmake);
    assert.ok(glob, 'the TypeScript sources are globbed, re-globbed at build time');
    const tsc = cmake.split('add_custom_command(').find((c) => /typescript\/bin\/tsc/.test(c))!;
    assert.match(tsc, new RegExp(`DEPENDS \\$\\{${glob![1]}\\}`), 'tsc reruns when a source file changes');
    assert.match(cmake, /npm_install\.sh --production \$\{APP\}/);
    assert.match(read('scripts/npm_install.sh'), /--production\) args\+=\(--omit=dev\)/);
    assert.doesNotMatch(cmake, /WORKING_DIRECTORY \$\{CMAKE_CURRENT_SOURCE_DIR\}/, 'nothing is built in the source tree');
  });

  it('installs the app as one root laid out like the repository, where its code looks for config/ and models/', () => {
    const cmake = read('CMakeLists.txt');
    const share = /set\(SHARE (\S+)\)/.exec(cmake)![1].replace('${PROJECT_NAME}', 'lnn_ros');
    const installed = new Set<string>();
    for (const [, what, dest] of cmake.matchAll(/install\((?:DIRECTORY|FILES) ([^\n]+?) DESTINATION ([^\s)]+)/g)) {
      for (const item of what.split(/\s+/)) installed.add(path.posix.join(dest.replace('${SHARE}', share), path.posix.basename(item.replace(/\$\{\w+\}\//, ''))));
    }
    for (const part of ['dist', 'node_modules', 'package.json', 'bin', 'config', 'models', 'launch', 'worlds', 'lnn_ros/msg/defs']) {
      assert.ok(installed.has(`${share}/${part}`), `${share}/${part} is installed (${[...installed].join(', ')})`);
    }
    // The compiled code resolves these relative to dist/<module>/ (sim/conditions.ts, cli/demo.ts, msg/registry.ts).
    const dist = path.posix.join('/prefix', share, 'dist', 'sim');
    assert.equal(path.posix.resolve(dist, '..', '..', 'config', 'conditions'), path.posix.join('/prefix', share, 'config', 'conditions'));
    assert.match(read('ros/lnn_ros_node'), /app="\$here\/\.\.\/\.\.\/share\/lnn_ros"/);
    assert.match(read('ros/lnn_ros_node'), /exec node "\$app\/bin\/lnn-ros\.js"/);
  });
});

