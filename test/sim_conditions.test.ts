/** The simulator's named conditions: all load, and bad files are reported by file and key. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { Condition, CONDITIONS_DIR } from '../lnn_ros/sim/conditions';

describe('sim conditions', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-conditions-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The summer file with `edit` applied, written to a temp file; returns its path. */
  function variant(edit: (doc: Record<string, any>) => void): string {
    const doc = YAML.parse(fs.readFileSync(path.join(CONDITIONS_DIR, 'summer.yaml'), 'utf8'));
    edit(doc);
    const file = path.join(dir, 'variant.yaml');
    fs.writeFileSync(file, YAML.stringify(doc));
    return file;
  }

  it('has the training condition and the out-of-distribution ones, each loading under its own name', () => {
    assert.deepEqual(Condition.names(), ['dusk', 'fog', 'irregular-rate', 'night', 'noisy-camera', 'summer', 'winter']);
    for (const name of Condition.names()) assert.equal(Condition.named(name).name, name);
    const winter = Condition.named('winter');
    assert.equal(winter.surface.verge, 'snow');
    assert.ok(Condition.named('fog').fog.density > 0.03);
    assert.ok(Condition.named('irregular-rate').camera.dropProbability > 0);
    assert.deepEqual(Condition.named(path.join(CONDITIONS_DIR, 'night.yaml')), Condition.named('night'));
  });

  it('names the file and the key of an unknown, missing or bad entry', () => {
    const cases: Array<[(doc: Record<string, any>) => void, RegExp]> = [
      [(d) => (d.fog.densty = 0.1), /variant\.yaml: fog\.densty: unknown key \(expected one of: density, color\)/],
      [(d) => (d.weather = 'rain'), /variant\.yaml: weather: unknown key/],
      [(d) => delete d.lighting.brightness, /variant\.yaml: lighting\.brightness: required key is missing/],
      [(d) => (d.surface.verge = 'sand'), /variant\.yaml: surface\.verge: 'sand' is not one of: grass, snow/],
      [(d) => (d.sky.zenith = [1, 2]), /variant\.yaml: sky\.zenith: expected three numbers in \[0, 255\]/],
      [(d) => (d.camera.jitter_s = 0.03), /variant\.yaml: camera\.jitter_s: 0\.03 is out of range \(must be <= 0\.025\)/],
      [(d) => (d.camera.rate_hz = 0), /variant\.yaml: camera\.rate_hz: 0 is out of range \(must be > 0\)/],
    ];
    for (const [edit, message] of cases) assert.throws(() => Condition.load(variant(edit)), message);
  });

  it('says which conditions exist when asked for an unknown one', () => {
    assert.throws(() => Condition.named('monsoon'), /no condition 'monsoon' \(known: dusk, fog, irregular-rate, night, noisy-camera, summer, winter\)/);
    assert.throws(() => Condition.load(path.join(dir, 'missing.yaml')), /missing\.yaml: cannot read condition/);
  });
});
