import { useOverview } from '../hooks/use-overview';
import { useServiceMode } from '../hooks/use-session';
import { simulationReasons } from '../lib/simulation';

function Banner({ reasons }: { reasons: string[] }) {
  if (!reasons.length) return null;
  return (
    <div className="simulation-banner" role="status" data-testid="simulation-banner">
      <strong>Simulation</strong> — {reasons.join(' · ')}
    </div>
  );
}

/** On every signed-in page: whether anything the service does is simulated, at a glance. */
export function SimulationBanner() {
  const { data } = useOverview();
  return data ? <Banner reasons={simulationReasons(data.env, data.runtime.models)} /> : null;
}

/** Before sign-in: the same from the public run mode. */
export function ModeBanner() {
  const { data } = useServiceMode();
  return data ? <Banner reasons={simulationReasons(data)} /> : null;
}
