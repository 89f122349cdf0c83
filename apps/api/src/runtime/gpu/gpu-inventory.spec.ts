import { Settings } from '../../env/env.schema';
import { GpuInventory, MODEL_MEMORY_FACTOR, parseNvidiaSmi } from './gpu-inventory';

const GIB = 1024 ** 3;
const inventory = (gpuDriverMock: boolean) => new GpuInventory({ gpuDriverMock } as Settings);

describe('GpuInventory', () => {
  it('parses nvidia-smi csv lines and ignores what it cannot read', () => {
    expect(parseNvidiaSmi('NVIDIA A10, 23028 MiB\nNVIDIA H100 80GB HBM3, 81559 MiB\n\ngarbage\n')).toEqual([
      { index: 0, name: 'NVIDIA A10', memoryBytes: 23028 * 1024 ** 2 },
      { index: 1, name: 'NVIDIA H100 80GB HBM3', memoryBytes: 81559 * 1024 ** 2 },
    ]);
  });

  it('simulates two 24 GiB devices and places instances on the one with most free memory', async () => {
    const gpus = inventory(true);
    await gpus.ready();
    expect(gpus.list().map((d) => [d.name, d.memoryBytes])).toEqual([['NF-Sim A10', 24 * GIB], ['NF-Sim A10', 24 * GIB]]);
    const first = gpus.place('a', '1', 10 * GIB / MODEL_MEMORY_FACTOR);
    const second = gpus.place('b', '1', 10 * GIB / MODEL_MEMORY_FACTOR);
    expect([first.gpuIndex, second.gpuIndex]).toEqual([0, 1]);
    // 14 GiB free on each: a 20 GiB instance does not fit anywhere and runs on the CPU.
    expect(gpus.place('c', '1', 20 * GIB / MODEL_MEMORY_FACTOR)).toMatchObject({ device: 'cpu', estimatedBytes: 20 * GIB });
    gpus.release('a');
    expect(gpus.list()[0].reservedBytes).toBe(0);
    expect(gpus.place('d', '1', 12 * GIB / MODEL_MEMORY_FACTOR)).toMatchObject({ device: 'gpu', gpuIndex: 0 });
  });

  it('without the mock driver and without nvidia-smi, the inventory is empty and models run on the CPU', async () => {
    const gpus = inventory(false);
    await gpus.ready();
    if (gpus.list().length === 0) expect(gpus.place('m', '1', 1000)).toMatchObject({ device: 'cpu' });
    else expect(gpus.place('m', '1', 1000)).toMatchObject({ device: 'gpu' }); // a machine with a real GPU
  });
});
