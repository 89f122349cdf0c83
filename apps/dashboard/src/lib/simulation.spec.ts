import { simulationReasons } from './simulation';
import { overviewAt } from './overview.fixture';

describe('simulationReasons', () => {
  it('is empty when nothing is simulated', () => {
    expect(simulationReasons(overviewAt(0, { queued: [0] }).env)).toEqual([]);
  });

  it('names every simulated part: mode, flags and mock-served models', () => {
    const overview = overviewAt(0, { queued: [0, 0] });
    overview.env = { mode: 'simulation', hash: 'h', simulationMode: true, gpuDriverMock: true };
    overview.runtime.models[1].simulated = true;
    expect(simulationReasons(overview.env, overview.runtime.models)).toEqual([
      'run mode is simulation',
      'SIMULATION_MODE=true',
      'GPUs are simulated (GPU_DRIVER_MOCK=true)',
      'served by the mock runtime: m1',
    ]);
  });

  it('before sign-in, names what the public run mode says', () => {
    expect(simulationReasons({ mode: 'simulation', simulationMode: true, gpuDriverMock: false })).toEqual(['run mode is simulation', 'SIMULATION_MODE=true']);
    expect(simulationReasons({ mode: 'production', simulationMode: false, gpuDriverMock: false })).toEqual([]);
  });
});
