import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { mlpToOnnx } from './onnx-builder';
import { HALF_MLP_MODELS, MLP_MODELS, mlpLayers, sampleInput } from './reference';

/**
 * Writes the model repository (Triton-like): <root>/<name>/config.json and
 * <root>/<name>/<version>/model.onnx. Deterministic: running it twice gives the same bytes.
 *
 *   npm run models:generate            (writes ./models)
 *   node dist/apps/api/src/runtime/models/generate.js <dir>
 */
export function generateRepository(root: string): string[] {
  const written: string[] = [];
  const write = (file: string, content: string | Uint8Array) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    written.push(file);
  };
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

  for (const model of MLP_MODELS) {
    const [inFeatures] = model.sizes;
    const outFeatures = model.sizes[model.sizes.length - 1];
    write(path.join(root, model.name, '1', 'model.onnx'), mlpToOnnx(model.name, mlpLayers(model)));
    write(
      path.join(root, model.name, 'config.json'),
      json({
        name: model.name,
        framework: 'onnx',
        maxBatchSize: model.maxBatchSize,
        inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, inFeatures] }],
        outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, outFeatures] }],
        instances: model.instances,
        ...(model.execution ? { execution: model.execution } : {}),
        required: model.required,
        ...(model.dynamicBatching ? { dynamic_batching: model.dynamicBatching } : {}),
        // Small inputs are spelled out; wide ones warm up on zeros (config.json stays readable).
        warmup: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, inFeatures], ...(inFeatures <= 16 ? { data: Array.from(sampleInput(inFeatures, 1, 7)) } : {}) }] },
      }),
    );
  }

  for (const half of HALF_MLP_MODELS) {
    const model = MLP_MODELS.find((m) => m.name === half.base)!;
    const [inFeatures] = model.sizes;
    const outFeatures = model.sizes[model.sizes.length - 1];
    write(path.join(root, half.name, '1', 'model.onnx'), mlpToOnnx(half.name, mlpLayers(model), half.datatype === 'FP16'));
    write(
      path.join(root, half.name, 'config.json'),
      json({
        name: half.name,
        framework: 'onnx',
        maxBatchSize: model.maxBatchSize,
        inputs: [{ name: 'input', datatype: half.datatype, shape: [-1, inFeatures] }],
        outputs: [{ name: 'output', datatype: half.datatype, shape: [-1, outFeatures] }],
        instances: 1,
        required: false,
        // 16-bit floats have no JSON form here: the warmup runs on zeros.
        warmup: { inputs: [{ name: 'input', datatype: half.datatype, shape: [1, inFeatures] }] },
      }),
    );
  }

  // Frameworks this image does not ship: the config is real, the model files are not here, so
  // simulation serves them with the mock runtime and production refuses them.
  for (const [name, framework, file] of [
    ['tf-classifier', 'tensorflow', 'model.savedmodel'],
    ['torch-classifier', 'pytorch', 'model.pt'],
  ] as const) {
    write(
      path.join(root, name, 'config.json'),
      json({
        name,
        framework,
        maxBatchSize: 32,
        inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 8] }],
        outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 4] }],
        instances: 1,
        required: false,
        file,
        warmup: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 8] }] },
      }),
    );
    write(
      path.join(root, name, '1', 'README.md'),
      `# ${name}, version 1\n\nThe ${framework} model file (\`${file}\`) belongs here. It is not shipped: this image has no ${framework}\nruntime, so simulation serves ${name} with the mock runtime and production refuses it (see docs/runtime.md).\n`,
    );
  }
  return written;
}

if (require.main === module) {
  const root = path.resolve(process.argv[2] ?? 'models');
  for (const file of generateRepository(root)) console.log(path.relative(process.cwd(), file));
}
