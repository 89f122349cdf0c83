import type { OverviewView } from '@nf/contracts';

/** Why what the service shows is (partly) simulated; empty when nothing is. */
export function simulationReasons(overview: Pick<OverviewView, 'env' | 'runtime'>): string[] {
  const reasons: string[] = [];
  if (overview.env.mode === 'simulation') reasons.push('run mode is simulation');
  if (overview.env.simulationMode) reasons.push('SIMULATION_MODE=true');
  if (overview.env.gpuDriverMock) reasons.push('GPUs are simulated (GPU_DRIVER_MOCK=true)');
  const mocked = overview.runtime.models.filter((m) => m.simulated).map((m) => m.name);
  if (mocked.length) reasons.push(`served by the mock runtime: ${mocked.join(', ')}`);
  return reasons;
}
