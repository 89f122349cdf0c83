import type { OverviewView, ProbeName } from '@nf/contracts';
import { request } from './client';

export const getOverview = () => request<OverviewView>('GET', '/admin/overview');

/** The parts of a probe's body (Terminus health check result) the dashboard shows. */
export interface ProbeReport {
  probe: ProbeName;
  up: boolean;
  /** Checks that are down, with what they said. */
  problems: string[];
}

interface HealthBody {
  status?: string;
  error?: Record<string, { status: string; message?: string; [key: string]: unknown }>;
}

/** Probes answer 200 or 503 with a body that names the failing checks; both are answers, not errors. */
export async function getProbe(probe: ProbeName): Promise<ProbeReport> {
  const response = await fetch(`/health/${probe}`, { headers: { accept: 'application/json' } });
  const body = (await response.json().catch(() => ({}))) as HealthBody;
  const problems = Object.entries(body.error ?? {}).map(([name, check]) => (check.message ? `${name}: ${check.message}` : `${name} is ${check.status}`));
  return { probe, up: response.ok, problems };
}
