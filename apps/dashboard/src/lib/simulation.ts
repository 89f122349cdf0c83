import type { ServiceModeView } from '@nf/contracts';

/** Why what the service shows is (partly) simulated; empty when nothing is. Models: those known (signed in). */
export function simulationReasons(mode: ServiceModeView, models: readonly { name: string; simulated: boolean }[] = []): string[] {
  const reasons: string[] = [];
  if (mode.mode === 'simulation') reasons.push('run mode is simulation');
  if (mode.simulationMode) reasons.push('SIMULATION_MODE=true');
  if (mode.gpuDriverMock) reasons.push('GPUs are simulated (GPU_DRIVER_MOCK=true)');
  const mocked = models.filter((m) => m.simulated).map((m) => m.name);
  if (mocked.length) reasons.push(`served by the mock runtime: ${mocked.join(', ')}`);
  return reasons;
}
