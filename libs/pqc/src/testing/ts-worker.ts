import { Worker } from 'node:worker_threads';

/**
 * Runs an exported function of a TypeScript module in a worker thread, so CPU-heavy known-answer
 * tests can use more than one core. Jest's transform does not reach worker threads, hence the
 * small @swc/core require hook (swc is already the project's test compiler).
 */
const BOOTSTRAP = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const swc = require(workerData.swcPath);
require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(readFileSync(filename, 'utf8'), {
    filename,
    module: { type: 'commonjs' },
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  });
  module._compile(code, filename);
};
const result = require(workerData.modulePath)[workerData.exportName](workerData.input);
// Byte arrays (the result, or the values of a result object) are moved, not copied.
const values = result instanceof Uint8Array ? [result] : Object.values(result ?? {});
parentPort.postMessage(result, values.filter((v) => v instanceof Uint8Array).map((v) => v.buffer));
`;

export function runInTsWorker<T>(modulePath: string, exportName: string, input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { swcPath: require.resolve('@swc/core'), modulePath, exportName, input },
    });
    worker.once('message', (message: T) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with code ${code}`));
    });
  });
}
