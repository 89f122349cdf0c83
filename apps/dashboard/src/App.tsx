import type { ProbeName as Probe } from '@nf/contracts';
import { useEffect, useState } from 'react';

type ProbeState = Record<Probe, 'up' | 'down' | 'unknown'>;

/** Placeholder overview until the dashboard proper lands: probe states straight from the API. */
export function App() {
  const [probes, setProbes] = useState<ProbeState>({ live: 'unknown', ready: 'unknown', startup: 'unknown' });

  useEffect(() => {
    const load = () =>
      (['live', 'ready', 'startup'] as Probe[]).forEach((probe) =>
        fetch(`/health/${probe}`)
          .then((r) => setProbes((s) => ({ ...s, [probe]: r.ok ? 'up' : 'down' })))
          .catch(() => setProbes((s) => ({ ...s, [probe]: 'down' }))),
      );
    load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, []);

  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 720, margin: '3rem auto', padding: '0 1rem' }}>
      <h1>Neural Fabric</h1>
      <p>Post-quantum front door for ML inference.</p>
      <h2>Probes</h2>
      <ul aria-label="probes">
        {(Object.keys(probes) as Probe[]).map((probe) => (
          <li key={probe}>
            /health/{probe}: <strong data-testid={`probe-${probe}`}>{probes[probe]}</strong>
          </li>
        ))}
      </ul>
      <p>
        <a href="/docs">API documentation</a> · <a href="/metrics">Metrics</a>
      </p>
    </main>
  );
}
