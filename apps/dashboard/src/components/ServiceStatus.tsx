import { useReachability } from '../hooks/use-reachability';
import { formatTime } from '../lib/format';

/** Under the header while the service does not answer: nothing on the page is current. */
export function ServiceStatus() {
  const { unreachableSince } = useReachability();
  if (unreachableSince === undefined) return null;
  return (
    <div className="unreachable-banner" role="alert" data-testid="service-unreachable">
      <strong>Service unreachable</strong> since {formatTime(unreachableSince).slice(11)}: values are shown as unknown until it answers again.
    </div>
  );
}
