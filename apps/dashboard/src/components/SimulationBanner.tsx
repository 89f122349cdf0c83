import { useServiceMode } from '../hooks/use-session';
import { simulationReasons } from '../lib/simulation';

/**
 * On every page, signed in or not: whether the service runs anything simulated, from the public
 * GET /auth/mode (read once; the mode does not change while the service runs). One line on phones.
 */
export function SimulationBanner() {
  const { data } = useServiceMode();
  const reasons = data ? simulationReasons(data) : [];
  if (!reasons.length) return null;
  const text = reasons.join(' · ');
  return (
    <div className="simulation-banner" role="status" data-testid="simulation-banner" title={text}>
      <strong>Simulation</strong> — <span className="reasons">{text}</span>
    </div>
  );
}
