/** ConvEncoder: the lane-keeping head's shapes and names, config validation, backend agreement. */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../lnn_ros/errors';
import { ConvEncoder, parseEncoderConfig } from '../lnn_ros/model/encoder';
import { seedInitializers } from '../lnn_ros/model/init';
import { maxAbsDiff, useBackend } from './helpers/tf';

describe('ConvEncoder', () => {
  before(async () => useBackend());

  it('maps a 78×200×3 frame through the lane-keeping head to 32 features', () => {
    const encoder = new ConvEncoder();
    assert.deepEqual(
      encoder.layers.map((l) => l.outShape),
      [
        [37, 98, 24],
        [17, 47, 36],
        [8, 23, 48],
        [6, 21, 64],
        [4, 19, 8],
      ],
    );
    assert.equal(encoder.flatSize, 608);
    assert.deepEqual(
      encoder.namedTensors().map((e) => `${e.name} ${e.variable.shape.join('×')}`),
      [
        'conv.0.weight 5×5×3×24',
        'conv.0.bias 24',
        'conv.1.weight 5×5×24×36',
        'conv.1.bias 36',
        'conv.2.weight 3×3×36×48',
        'conv.2.bias 48',
        'conv.3.weight 3×3×48×64',
        'conv.3.bias 64',
        'conv.4.weight 3×3×64×8',
        'conv.4.bias 8',
        'head.weight 32×608',
        'head.bias 32',
      ],
    );
    const y = encoder.forward(tf.randomUniform([2, 78, 200, 3]) as tf.Tensor4D);
    assert.deepEqual(y.shape, [2, 32]);
    assert.ok((y.dataSync() as Float32Array).every(Number.isFinite));
    y.dispose();
    encoder.dispose();
  });

  it('without a head returns the flattened conv maps', () => {
    const encoder = new ConvEncoder({ inputShape: [20, 24, 1], conv: [{ filters: 4, kernel: 3, stride: 2, padding: 'same' }], features: null });
    assert.equal(encoder.outputSize, 10 * 12 * 4);
    const y = encoder.forward(tf.zeros([1, 20, 24, 1]) as tf.Tensor4D);
    assert.deepEqual(y.shape, [1, 480]);
    y.dispose();
    encoder.dispose();
  });

  for (const activation of ['relu', 'elu', 'tanh'] as const) {
    it(`${activation}: the fused forward equals plain ops, on wasm and on cpu`, async () => {
      const outputs: Float32Array[] = [];
      for (const backend of ['wasm', 'cpu'] as const) {
        await useBackend(backend);
        seedInitializers(5);
        const encoder = new ConvEncoder({
          inputShape: [11, 14, 3],
          conv: [
            { filters: 6, kernel: 3, stride: 2, padding: 'same' },
            { filters: 5, kernel: 2, stride: 1 },
          ],
          activation,
          features: 4,
        });
        seedInitializers(undefined);
        const x = tf.randomUniform([2, 11, 14, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
        const reference = tf.tidy(() => {
          let h: tf.Tensor4D = x;
          for (const l of encoder.layers) {
            const z = tf.add(tf.conv2d(h, l.weight as tf.Tensor4D, l.stride, l.padding), l.bias);
            h = (activation === 'relu' ? tf.relu(z) : activation === 'elu' ? tf.elu(z) : tf.tanh(z)) as tf.Tensor4D;
          }
          return (encoder.head as NonNullable<typeof encoder.head>).apply(tf.reshape(h, [2, -1]) as tf.Tensor2D);
        });
        const y = encoder.forward(x);
        assert.ok(maxAbsDiff(y.dataSync(), reference.dataSync()) <= 1e-5, `${backend}: fused vs plain`);
        outputs.push(y.dataSync() as Float32Array);
        tf.dispose([x, y, reference]);
        encoder.dispose();
      }
      assert.ok(maxAbsDiff(outputs[0], outputs[1]) <= 1e-5, 'wasm vs cpu');
      await useBackend();
    });
  }

  describe('parseEncoderConfig', () => {
    const parse = (value: unknown) => parseEncoderConfig(value, 'policy.yaml', 'encoder');
    const rejects = (value: unknown, key: string, problem: RegExp) =>
      assert.throws(
        () => parse(value),
        (e: unknown) => e instanceof ConfigError && e.key === key && problem.test(e.message) && e.message.startsWith(`policy.yaml: ${key}: `),
      );

    it('takes the defaults from an empty mapping', () => {
      assert.deepEqual(parse({}), { inputShape: undefined, conv: undefined, activation: 'relu', features: 32 });
    });

    it('reads a full mapping', () => {
      const options = parse({
        input_shape: [66, 200, 3],
        conv: [{ filters: 24, kernel: 5, stride: 2 }, { filters: 36, kernel: 3, padding: 'same' }],
        activation: 'elu',
        features: null,
      });
      assert.deepEqual(options, {
        inputShape: [66, 200, 3],
        conv: [
          { filters: 24, kernel: 5, stride: 2, padding: 'valid' },
          { filters: 36, kernel: 3, stride: 1, padding: 'same' },
        ],
        activation: 'elu',
        features: null,
      });
    });

    it('names the key of each error', () => {
      rejects({ activation: 'gelu' }, 'encoder.activation', /'gelu' is not one of: relu, elu, tanh/);
      rejects({ features: 0 }, 'encoder.features', /out of range/);
      rejects({ input_shape: [78, 200] }, 'encoder.input_shape', /\[height, width, channels\]/);
      rejects({ conv: [] }, 'encoder.conv', /non-empty list/);
      rejects({ conv: [{ filters: 8, kernel: 3 }, { filters: 'x', kernel: 3 }] }, 'encoder.conv.1.filters', /expected a finite number/);
      rejects({ conv: [{ filters: 8 }] }, 'encoder.conv.0.kernel', /required key is missing/);
      rejects({ conv: [{ filters: 8, kernel: 3, size: 3 }] }, 'encoder.conv.0.size', /unknown key/);
      rejects({ conv: [{ filters: 8, kernel: 3, padding: 'full' }] }, 'encoder.conv.0.padding', /not one of: valid, same/);
      rejects({ conv: [{ filters: 8, kernel: 3 }, 'big'] }, 'encoder.conv.1', /expected a mapping/);
      rejects({ depth: 3 }, 'encoder.depth', /unknown key/);
      // 78×200 → 37×98 → 17×47 → 7×22 → 2×9: a fifth 5×5 'valid' conv has nothing left.
      const shrinking = [1, 2, 3, 4, 5].map(() => ({ filters: 4, kernel: 5, stride: 2 }));
      rejects({ conv: shrinking }, 'encoder.conv.4.kernel', /leaves nothing of its 2×9 input/);
    });

    it('checks the layers against the frames the policy feeds when the mapping gives no input_shape', () => {
      const layers = { conv: [{ filters: 8, kernel: 5, stride: 2 }, { filters: 16, kernel: 3, stride: 2 }, { filters: 16, kernel: 3, stride: 2 }] };
      assert.equal(parseEncoderConfig(layers, 'policy.yaml', 'encoder', [24, 64, 3]).conv!.length, 3);
      // 12×32 → 4×14 → 1×6: the third 3×3 conv has nothing left (78×200 would have been fine).
      assert.throws(() => parseEncoderConfig(layers, 'policy.yaml', 'encoder', [12, 32, 3]), /^ConfigError: policy\.yaml: encoder\.conv\.2\.kernel: a 3×3 'valid' conv leaves nothing of its 1×6 input/);
    });
  });
});
