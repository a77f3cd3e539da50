/** The one command-line layer: typed options, negative numbers, errors naming the flag and the form. */
import { strict as assert } from 'node:assert';
import { option, parseCommandLine, UsageError } from '../lnn_ros/cli/args';
import { main } from '../lnn_ros/cli/main';

const SPEC = {
  command: 'try',
  usage: 'usage: lnn-ros try',
  options: {
    config: option.string('FILE'),
    epochs: option.int({ min: 1 }),
    seed: option.int({ min: 0 }).default(1),
    offset: option.int(),
    duration: option.number({ min: 0, minExclusive: true, unit: 'seconds' }),
    mode: option.oneOf(['none', 'zstd'] as const).default('none'),
    topic: option.string('TOPIC').short('t').repeatable(),
    seeds: option.intList({ min: 0 }),
    topics: option.list('TOPIC').repeatable(),
    pretrained: option.string('DIR').valueOptional(),
    json: option.flag(),
  },
  positionals: ['IN', 'OUT'],
};

const parse = (...argv: string[]) => parseCommandLine(argv, SPEC)!;
const fails = (argv: string[], message: RegExp) =>
  assert.throws(() => parseCommandLine(argv, SPEC), (e: unknown) => e instanceof UsageError && e.command === 'try' && message.test(e.message), argv.join(' '));

describe('cli arguments', () => {
  it('reads typed values, defaults, repeated and optional-value flags', () => {
    const { values, positionals } = parse('in', '--epochs', '3', '-t', '/a', '--topic=/b', '--seeds', '1,2,30', '--topics', '/x,/y', '--topics', '/z', 'out', '--json', '--pretrained');
    assert.deepEqual(positionals, ['in', 'out']);
    assert.equal(values.epochs, 3);
    assert.equal(values.seed, 1);
    assert.equal(values.mode, 'none');
    assert.deepEqual(values.topic, ['/a', '/b']);
    assert.deepEqual(values.seeds, [1, 2, 30]);
    assert.deepEqual(values.topics, [['/x', '/y'], ['/z']]);
    assert.equal(values.json, true);
    assert.equal(values.pretrained, true);
    assert.equal(parse('i', 'o', '--pretrained', 'models/p').values.pretrained, 'models/p');
    assert.equal(parse('i', 'o').values.pretrained, undefined);
  });

  it('takes a negative number as the value, then judges it by the range', () => {
    assert.equal(parse('i', 'o', '--offset', '-3').values.offset, -3);
    fails(['i', 'o', '--epochs', '-1'], /^--epochs expects a positive integer, got '-1'$/);
    fails(['i', 'o', '--seed', '-1'], /^--seed expects a non-negative integer, got '-1'$/);
    fails(['i', 'o', '--duration', '-5'], /^--duration expects a positive number of seconds, got '-5'$/);
  });

  it('names the flag and the expected form for a bad or missing value', () => {
    fails(['i', 'o', '--epochs', 'abc'], /^--epochs expects a positive integer, got 'abc'$/);
    fails(['i', 'o', '--epochs', '2.5'], /^--epochs expects a positive integer, got '2\.5'$/);
    fails(['i', 'o', '--mode', 'lz5'], /^--mode expects none or zstd, got 'lz5'$/);
    fails(['i', 'o', '--seeds', '1,x'], /^--seeds expects comma-separated non-negative integers, got '1,x'$/);
    fails(['i', 'o', '--config'], /^--config expects a FILE$/);
    fails(['i', 'o', '--config', '--json'], /^--config expects a FILE$/);
    fails(['i', 'o', '--json=yes'], /^--json takes no value/);
    fails(['i', 'o', '--epochs', '1', '--epochs', '2'], /^--epochs is given more than once$/);
  });

  it('refuses unknown options and wrong positional counts', () => {
    fails(['i', 'o', '--colour'], /^unknown option '--colour'$/);
    fails(['i', 'o', '-x'], /^unknown option '-x'$/);
    fails(['i'], /^missing OUT$/);
    fails(['i', 'o', 'p'], /^unexpected argument 'p' \(expected IN OUT\)$/);
  });

  it('names a required option, prints --help, and leaves --ros-args to ROS', () => {
    assert.throws(() => parseCommandLine([], { command: 'c', usage: '', options: { config: option.string('FILE').required() } }), /^UsageError: --config FILE is required$/);
    const printed: string[] = [];
    const log = console.log;
    console.log = (line: string) => printed.push(line);
    try {
      assert.equal(parseCommandLine(['-h'], SPEC), null);
    } finally {
      console.log = log;
    }
    assert.deepEqual(printed, ['usage: lnn-ros try']);
    const ros = parseCommandLine(['--params-file', 'a.yaml', '--ros-args', '-r', '__node:=x', '--params-file', 'b.yaml'], {
      command: 'drive',
      usage: '',
      options: { 'params-file': option.string('FILE').repeatable() },
      rosArgs: true,
    })!;
    assert.deepEqual(ros.values['params-file'], ['a.yaml']);
    assert.deepEqual(ros.rosArgs, ['--ros-args', '-r', '__node:=x', '--params-file', 'b.yaml']);
  });
});

describe("commands' arguments", () => {
  /** A config that need not exist: the flags are checked first. */
  const CONFIG = '/nonexistent/fit.yaml';
  const cases: Array<[string[], RegExp]> = [
    [['fit', '--config', CONFIG, '--epochs', '-1'], /^lnn-ros fit: --epochs expects a positive integer, got '-1'$/m],
    [['fit', '--config', CONFIG, '--epochs', 'abc'], /^lnn-ros fit: --epochs expects a positive integer, got 'abc'$/m],
    [['fit', '--config', CONFIG, '--seed', '-1'], /^lnn-ros fit: --seed expects a non-negative integer, got '-1'$/m],
    [['bag', 'echo', 'some.mcap', '--limit', '-1'], /^lnn-ros bag echo: --limit expects a non-negative integer, got '-1'$/m],
    [['bag', 'echo', 'some.mcap', '--limit', 'abc'], /^lnn-ros bag echo: --limit expects a non-negative integer, got 'abc'$/m],
    [['record', '--sim', '--out', '/tmp/never', '--duration', '-5'], /^lnn-ros record: --duration expects a positive number of seconds, got '-5'$/m],
    [['predict', '--model'], /^lnn-ros predict: --model expects a DIR$/m],
    [['train', '--epochs', '0', '--bag', 'b'], /^lnn-ros train: --epochs expects a positive integer, got '0'$/m],
    [['demo', '--laps', '-2'], /^lnn-ros demo: --laps expects a positive integer, got '-2'$/m],
    [['robustness', '--seeds', '1,-2'], /^lnn-ros robustness: --seeds expects comma-separated non-negative integers, got '1,-2'$/m],
    [['eval', '--model', 'p', '--bag', 'b', '--tolerance', '0'], /^lnn-ros eval: --tolerance expects a positive number of seconds, got '0'$/m],
    [['bag', 'convert', 'in'], /^lnn-ros bag convert: missing OUT$/m],
    [['wiring', '--model', 'm', '--output', 'w.svg', '--colour'], /^lnn-ros wiring: unknown option '--colour'$/m],
  ];
  for (const [argv, message] of cases) {
    it(`${argv.join(' ')}: exit 2, naming the flag and the expected form`, async () => {
      const lines: string[] = [];
      const error = console.error;
      console.error = (...a: unknown[]) => void lines.push(a.join(' '));
      let code: number;
      try {
        code = await main(argv);
      } finally {
        console.error = error;
      }
      assert.equal(code, 2);
      assert.match(lines.join('\n'), message);
      assert.match(lines.join('\n'), new RegExp(`'lnn-ros ${argv[0] === 'bag' ? `bag ${argv[1]}` : argv[0]} --help' for its options`));
    });
  }
});
