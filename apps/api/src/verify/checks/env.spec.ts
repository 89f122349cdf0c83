import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { envDefaultProblems } from './env';

const shipped = readFileSync(path.resolve(__dirname, '..', '..', '..', '..', '..', '.env.default'), 'utf8');

describe('envDefaultProblems', () => {
  it('finds nothing wrong with the shipped .env.default', () => {
    expect(envDefaultProblems(shipped)).toEqual([]);
  });

  it('names a safe default set otherwise, one missing, and a setting not listed', () => {
    const edited = shipped
      .replace(/^PQC_MODE=hybrid$/m, 'PQC_MODE=pqc')
      .replace(/^SIMULATION_MODE=true\n/m, '')
      .replace(/^INFER_TENANT_BURST=.*\n/m, '');
    expect(envDefaultProblems(edited)).toEqual([
      'SIMULATION_MODE is missing (safe default: SIMULATION_MODE=true)',
      'PQC_MODE=pqc is not the safe default PQC_MODE=hybrid',
      'not listed (it is the single source of defaults): INFER_TENANT_BURST',
    ]);
  });

  it('reads the file as the service does (comments, quotes, spaces)', () => {
    const quoted = shipped.replace(/^GPU_DRIVER_MOCK=true$/m, 'GPU_DRIVER_MOCK="true"  # simulated GPUs');
    expect(envDefaultProblems(quoted)).toEqual([]);
  });
});
