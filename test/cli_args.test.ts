/** The commands' shared argument helpers. */
import { strict as assert } from 'node:assert';
import { intList, optionalValueFlag } from '../lnn_ros/cli/args';

describe('cli arguments', () => {
  it('reads a flag with an optional value, leaving the rest for parseArgs', () => {
    assert.deepEqual(optionalValueFlag(['--pretrained', 'models/p', '--laps', '2'], '--pretrained'), { given: true, value: 'models/p', rest: ['--laps', '2'] });
    assert.deepEqual(optionalValueFlag(['--laps', '2', '--pretrained'], '--pretrained'), { given: true, value: null, rest: ['--laps', '2'] });
    assert.deepEqual(optionalValueFlag(['--pretrained', '--laps', '2'], '--pretrained'), { given: true, value: null, rest: ['--laps', '2'] });
    assert.deepEqual(optionalValueFlag(['--laps', '2'], '--pretrained'), { given: false, value: null, rest: ['--laps', '2'] });
  });

  it('reads integer lists and names the option when one is not', () => {
    assert.deepEqual(intList('1,2,30', 'seeds'), [1, 2, 30]);
    assert.throws(() => intList('1,x', 'seeds'), /--seeds expects comma-separated integers \(got 1,x\)/);
  });
});
