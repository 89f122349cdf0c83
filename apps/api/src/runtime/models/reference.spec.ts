import { DenseLayer, forward, MLP_MODELS, mlpLayers, mulberry32, sampleInput } from './reference';

describe('reference MLP', () => {
  // 2 -> 2 (ReLU) -> 1, small enough to check by hand.
  const hidden: DenseLayer = {
    inFeatures: 2,
    outFeatures: 2,
    weights: Float32Array.from([1, -1, 2, 0.5]), // row-major [in][out]
    bias: Float32Array.from([0.5, -0.25]),
    relu: true,
  };
  const out: DenseLayer = { inFeatures: 2, outFeatures: 1, weights: Float32Array.from([2, -3]), bias: Float32Array.from([1]), relu: false };

  it('computes x·W + b with ReLU between layers, matching hand-computed values', () => {
    // x = [1, 2]: hidden = [1*1 + 2*2 + 0.5, 1*-1 + 2*0.5 - 0.25] = [5.5, -0.25] -> ReLU [5.5, 0]; out = 5.5*2 + 0*-3 + 1 = 12
    // x = [-1, 1]: hidden = [-1 + 2 + 0.5, 1 + 0.5 - 0.25] = [1.5, 1.25]; out = 3 - 3.75 + 1 = 0.25
    expect(Array.from(forward([hidden, out], [1, 2, -1, 1], 2))).toEqual([12, 0.25]);
  });

  it('keeps a negative output of the last layer (no ReLU there)', () => {
    // x = [0, 0]: hidden = [0.5, -0.25] -> [0.5, 0]; out = 1 + 1 = 2; x = [0, 1]: hidden [2.5, 0.25]; out = 5 - 0.75 + 1 = 5.25
    // x = [-2, 0]: hidden [-1.5, 1.75] -> [0, 1.75]; out = -5.25 + 1 = -4.25
    expect(Array.from(forward([hidden, out], [0, 0, 0, 1, -2, 0], 3))).toEqual([2, 5.25, -4.25]);
  });

  it('refuses an input of the wrong size', () => {
    expect(() => forward([hidden, out], [1, 2, 3], 2)).toThrow('expected 2x2 values, got 3');
  });

  it('mulberry32 is deterministic per seed and stays in [0, 1)', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const values = Array.from({ length: 1000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(mulberry32(2)()).not.toBe(values[0]);
  });

  it('generates the configured layer sizes with weights bounded by 1/sqrt(fanIn)', () => {
    for (const model of MLP_MODELS) {
      const layers = mlpLayers(model);
      expect(layers.map((l) => [l.inFeatures, l.outFeatures])).toEqual(model.sizes.slice(1).map((n, i) => [model.sizes[i], n]));
      expect(layers.map((l) => l.relu)).toEqual(layers.map((_, i) => i < layers.length - 1));
      for (const layer of layers) {
        expect(layer.weights).toHaveLength(layer.inFeatures * layer.outFeatures);
        expect(layer.weights.reduce((m, w) => Math.max(m, Math.abs(w)), 0)).toBeLessThanOrEqual(Math.fround(1 / Math.sqrt(layer.inFeatures)));
      }
    }
    expect(mlpLayers(MLP_MODELS[0])[0].weights).toEqual(mlpLayers(MLP_MODELS[0])[0].weights);
  });

  it('tiny-mlp is 4 -> 16 -> 3 and wide-mlp 256 -> 1024 -> 1024 -> 16', () => {
    expect(MLP_MODELS.map((m) => [m.name, m.sizes])).toEqual([
      ['tiny-mlp', [4, 16, 3]],
      ['wide-mlp', [256, 1024, 1024, 16]],
    ]);
    expect(sampleInput(4, 2)).toHaveLength(8);
  });
});
