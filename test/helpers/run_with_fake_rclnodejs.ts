/**
 * Runs `lnn-ros <args>` as `ros2 run` would, but with the rclnodejs fake (test/helpers/fake_rclnodejs.ts)
 * in place of the real module: prints READY once a node spins, and at exit one JSON line with what
 * was published and called, for test/node_cli.test.ts to check after sending real signals.
 */
import Module = require('node:module');
import { main } from '../../lnn_ros/cli/main';
import { fakeRclnodejs } from './fake_rclnodejs';

const fake = fakeRclnodejs();
const load = (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load;
(Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load = (request, ...rest) => (request === 'rclnodejs' ? fake.api : load(request, ...rest));
process.env.AMENT_PREFIX_PATH ??= '/opt/ros/fake';
process.env.ROS_DISTRO ??= 'jazzy';

const ready = setInterval(() => {
  if (fake.calls.some((c) => c[0] === 'spin')) {
    clearInterval(ready);
    process.stdout.write('READY\n');
  }
}, 20);

const report = () => process.stdout.write(`${JSON.stringify({ published: fake.published, calls: fake.calls.map((c) => c[0]), logs: fake.logs }, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))}\n`);
main(process.argv.slice(2)).then(
  (code) => {
    clearInterval(ready);
    report();
    process.exitCode = code;
  },
  (e) => {
    clearInterval(ready);
    report();
    console.error(`lnn-ros: ${(e as Error).message}`);
    process.exitCode = 1;
  },
);
