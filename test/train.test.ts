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

    // lnn-ros eval replays the bag through drive_node and compares with the recorded commands.
    const evalDir = path.join(path.dirname(out), 'eval');
    assert.equal(await main(['eval', '--model', out, '--bag', bag, '--output', evalDir]), 0);
    const report = JSON.parse(fs.readFileSync(path.join(evalDir, 'eval.json'), 'utf8'));
    assert.ok(report.paired > 1000, `paired ${report.paired}`);
    assert.ok(report.mse['angular.z'] < metrics.baseline_mse * 2, JSON.stringify(report.mse));
    assert.match(fs.readFileSync(path.join(evalDir, 'commands.svg'), 'utf8'), /policy angular\.z/);
  });

  it('names a missing topic', async () => {
    await assert.rejects(main(['train', '--bag', bag, '--inputs', '/camera', '--target', '/cmd_vel', '--out', '/tmp/x']), /no topic \/camera \(has \/imu, \/cmd_vel\)/);
  });
});
