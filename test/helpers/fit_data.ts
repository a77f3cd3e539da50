/** Small `lnn-ros fit` inputs: sine sequences on an irregular clock, and a config over them. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';

/** Five CSV sequences of a sine whose phase advances with an irregular clock. */
export function sineFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-fit-data-'));
  for (let f = 0; f < 5; f++) {
    let t = 0;
    const rows = ['time,u,y'];
    for (let i = 0; i < 60; i++) {
      t += 0.05 + 0.1 * ((i * 7 + f) % 4);
      rows.push(`${t.toFixed(4)},${Math.sin(2 * t + f).toFixed(5)},${Math.cos(2 * t + f).toFixed(5)}`);
    }
    fs.writeFileSync(path.join(dir, `seq_${f}.csv`), rows.join('\n'));
  }
  return dir;
}

export function writeFitConfig(data: string, out: string, model: Record<string, unknown>, epochs: number): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lnn-fit-cfg-')), 'fit.yaml');
  fs.writeFileSync(file, YAML.stringify({
    data: { folder: data, split: { train: '0:3', val: '3:4', test: '4:5' }, time_column: 'time', inputs: ['u'], targets: ['y'], window: 10, stride: 5 },
    model,
    training: { optimizer: 'adam', lr: 0.02, batch_size: 4, epochs, seed: 3 },
    output: out,
  }));
  return file;
}
