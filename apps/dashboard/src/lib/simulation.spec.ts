import { simulationReasons } from './simulation';
import { overviewAt } from './overview.fixture';

describe('simulationReasons', () => {
  it('is empty when nothing is simulated', () => {
    expect(simulationReasons(overviewAt(0, { queued: [0] }))).toEqual([]);
  });

  it('names every simulated part: mode, flags and mock-served models', () => {
    const overview = overviewAt(0, { queued: [0, 0] });
    overview.env = { mode: 'simulation', hash: 'h', simulationMode: true, gpuDriverMock: true };
    overview.runtime.models[1].simulated = true;
    expect(simulationReasons(overview)).toEqual([
      'run mode is simulation',
      'SIMULATION_MODE=true',
      'GPUs are simulated (GPU_DRIVER_MOCK=true)',
      'served by the mock runtime: m1',
    ]);
  });
});
