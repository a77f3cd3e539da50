/** `lnn-ros train` on a recording: the policy beats the mean-command baseline and loads back. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../lnn_ros/cli/main';
import { loadPolicyDir } from '../lnn_ros/model/policy';
import { PolicyRunner } from '../lnn_ros/model/policy_runner';
import { writeImuCommandBag } from './helpers/imu_bag';
import { useBackend } from './helpers/tf';

describe('lnn-ros train', function () {
  this.timeout(180000);
  let bag: string;
  before(async () => {
    await useBackend();
    bag = await writeImuCommandBag();
  });

  it('improves val_mse over baseline_mse and writes a loadable policy', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-train-')), 'policy');
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-cache-'));
    process.env.XDG_CACHE_HOME = cache;
    assert.equal(await main(['train', '--bag', bag, '--inputs', '/imu', '--target', '/cmd_vel', '--out', out, '--epochs', '6']), 0);
    const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    assert.ok(metrics.val_mse < 0.5 * metrics.baseline_mse, `val_mse ${metrics.val_mse} vs baseline ${metrics.baseline_mse}`);
    const policy = loadPolicyDir(out);
    assert.deepEqual(policy.config.outputs.names, ['linear.x', 'angular.z']);
    const runner = new PolicyRunner(policy);
    assert.equal(runner.ready(), false);
    runner.setVector([0, 0, 0.3, 0.1, 0, 9.81]);
    const command = runner.step(0.05);
    assert.equal(command.length, 2);
    assert.ok(command.every(Number.isFinite));
    policy.dispose();
  });

  it('names a missing topic', async () => {
    await assert.rejects(main(['train', '--bag', bag, '--inputs', '/camera', '--target', '/cmd_vel', '--out', '/tmp/x']), /no topic \/camera \(has \/imu, \/cmd_vel\)/);
  });
});
