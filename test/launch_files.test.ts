/**
 * The launch files executed against stand-ins of launch / launch_ros (test/fixtures/launch_harness.py;
 * CI has no ROS 2): which processes each starts for given arguments, on a machine without Gazebo.
 * The same files were run with the real launch_ros on Jazzy and Humble (README, "Tested on").
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const SHARE = '/ws/install/lnn_ros/share/lnn_ros';

interface Process {
  kind: 'node' | 'lifecycle_node' | 'include';
  executable?: string;
  name?: string;
  namespace?: string;
  arguments?: string[];
  parameters?: unknown[];
}

function launch(file: string, ...args: string[]): { processes?: Process[]; error?: string } {
  const r = spawnSync('python3', [path.join(__dirname, 'fixtures', 'launch_harness.py'), path.join(ROOT, 'launch', file), SHARE, ...args], { encoding: 'utf8' });
  return r.status === 0 ? { processes: JSON.parse(r.stdout) } : { error: r.stderr };
}

describe('launch files (against stand-ins of launch_ros)', () => {
  it('sim.launch.py simulator:=embedded starts sim_node and drive_node without looking up Gazebo', () => {
    const r = launch('sim.launch.py', 'simulator:=embedded', 'namespace:=car1');
    assert.equal(r.error, undefined, r.error);
    assert.deepEqual(r.processes!.map((p) => [p.executable, p.namespace]), [['sim_node', 'car1'], ['drive_node', 'car1']]);
    assert.deepEqual(r.processes![1].parameters, [`${SHARE}/config/drive.yaml`, { use_sim_time: true }]);
  });

  it('sim.launch.py with Gazebo (the default) needs ros_gz_sim, and says so', () => {
    assert.match(launch('sim.launch.py').error!, /simulator:=gazebo needs ros_gz_sim and ros_gz_bridge \(apt install ros-\$ROS_DISTRO-ros-gz\)/);
  });

  it('drive.launch.py starts a plain node, or a managed one given --managed', () => {
    assert.deepEqual(launch('drive.launch.py').processes!.map((p) => [p.kind, p.arguments]), [['node', []]]);
    const managed = launch('drive.launch.py', 'managed:=true', 'namespace:=car2').processes!;
    assert.deepEqual(managed.map((p) => [p.kind, p.name, p.namespace, p.arguments]), [['lifecycle_node', 'drive_node', 'car2', ['--managed']]]);
  });

  it('train.launch.py passes bags:= as a string array and output:= as an absolute path', () => {
    const [trainer] = launch('train.launch.py', 'bags:=/data/a,/data/b', 'output:=/data/policy').processes!;
    assert.deepEqual(trainer.parameters, [`${SHARE}/config/train.yaml`, { bags: ['/data/a', '/data/b'], output: '/data/policy', overwrite: false }]);
  });
});
