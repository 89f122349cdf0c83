import { useOverview } from '../hooks/use-overview';
import { simulationReasons } from '../lib/simulation';

/** On every page: whether anything the service does is simulated, at a glance. */
export function SimulationBanner() {
  const { data } = useOverview();
  if (!data) return null;
  const reasons = simulationReasons(data);
  if (!reasons.length) return null;
  return (
    <div className="simulation-banner" role="status" data-testid="simulation-banner">
      <strong>Simulation</strong> — {reasons.join(' · ')}
    </div>
  );
}
