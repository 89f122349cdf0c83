import type { OverviewHistoryView, OverviewView, ProbeName } from '@nf/contracts';
import { ApiError, request } from './client';

export const getOverview = () => request<OverviewView>('GET', '/admin/overview');

/** The service's samples of the last `minutes` (and the one before, for the first rate). */
export const getOverviewHistory = (minutes: number) => request<OverviewHistoryView>('GET', `/admin/overview/history?minutes=${minutes}`);

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
  let response: Response;
  try {
    response = await fetch(`/health/${probe}`, { headers: { accept: 'application/json' } });
  } catch (error) {
    throw new ApiError(0, `the service could not be reached (${(error as Error).message})`);
  }
  // A gateway's error page is no probe answer: the service did not answer at all.
  if (response.status === 502 || response.status === 504) throw new ApiError(response.status, `${response.status} ${response.statusText}`);
  const body = (await response.json().catch(() => ({}))) as HealthBody;
  const problems = Object.entries(body.error ?? {}).map(([name, check]) => (check.message ? `${name}: ${check.message}` : `${name} is ${check.status}`));
  return { probe, up: response.ok, problems };
}
