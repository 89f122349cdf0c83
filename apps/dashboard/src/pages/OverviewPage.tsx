import type { OverviewView } from '@nf/contracts';
import { useMemo } from 'react';
import { Badge } from '../components/Badge';
import { ErrorText } from '../components/ErrorText';
import { TableHead } from '../components/TableHead';
import { TimeSeriesChart } from '../components/TimeSeriesChart';
import { useOverview, useOverviewHistory, useProbes } from '../hooks/use-overview';
import { failuresByReason, OverviewPoint, pointsFrom } from '../lib/metrics';
import { formatNumber, groupHex } from '../lib/format';

const COLORS = { primary: '#2563eb', bad: '#dc2626', second: '#9333ea' };

type Metric = Exclude<keyof OverviewPoint, 'at'>;

/** What each chart plots: one line per point field. */
const CHARTS: { id: string; title: string; unit: string; lines: { label: string; color: string; metric: Metric }[] }[] = [
  {
    id: 'handshakes',
    title: 'Handshakes',
    unit: '/min',
    lines: [
      { label: 'handshakes', color: COLORS.primary, metric: 'handshakesPerMin' },
      { label: 'failures', color: COLORS.bad, metric: 'handshakeFailuresPerMin' },
    ],
  },
  { id: 'throughput', title: 'Inference throughput', unit: '/min', lines: [{ label: 'requests', color: COLORS.primary, metric: 'inferencePerMin' }] },
  {
    id: 'latency',
    title: 'Inference latency',
    unit: 'ms',
    lines: [
      { label: 'p50', color: COLORS.primary, metric: 'p50Ms' },
      { label: 'p95', color: COLORS.second, metric: 'p95Ms' },
    ],
  },
  { id: 'queue', title: 'Queue depth', unit: 'requests', lines: [{ label: 'queued', color: COLORS.primary, metric: 'queueDepth' }] },
];

function Charts({ points }: { points: OverviewPoint[] }) {
  const times = useMemo(() => points.map((p) => p.at), [points]);
  const series = useMemo(
    () => CHARTS.map((chart) => chart.lines.map(({ label, color, metric }) => ({ label, color, values: points.map((p) => p[metric]) }))),
    [points],
  );
  return (
    <section aria-labelledby="charts-title" className="charts">
      <h2 id="charts-title" className="visually-hidden">
        Live charts
      </h2>
      {CHARTS.map((chart, i) => (
        <TimeSeriesChart key={chart.id} id={chart.id} title={chart.title} unit={chart.unit} times={times} series={series[i]} />
      ))}
    </section>
  );
}

function Handshake({ overview }: { overview: OverviewView }) {
  const { handshake } = overview;
  const failures = failuresByReason(handshake.outcomes);
  return (
    <section className="card" aria-labelledby="handshake-title">
      <h2 id="handshake-title">Handshake</h2>
      <dl className="facts">
        <dt>Status</dt>
        <dd>{handshake.status === 'ok' ? <Badge tone="good">serving</Badge> : <Badge tone="bad">unavailable: {handshake.reason}</Badge>}</dd>
        <dt>Algorithm</dt>
        <dd>{handshake.algorithm ?? '–'}</dd>
        <dt>Crypto provider</dt>
        <dd data-testid="crypto-provider">
          {handshake.provider === 'native' ? 'native (Node + OpenSSL 3.5)' : <Badge tone="warn">noble (pure JavaScript)</Badge>}
        </dd>
        <dt>Active key version</dt>
        <dd data-testid="active-key-version">{handshake.activeKeyVersion ?? '–'}</dd>
        <dt>Identity pin (sha256)</dt>
        <dd className="mono">{handshake.sha256 ? groupHex(handshake.sha256) : '–'}</dd>
        <dt>Answered since start</dt>
        <dd data-testid="handshakes-total">{Object.values(handshake.outcomes).reduce((a, b) => a + b, 0)}</dd>
      </dl>
      <h3>Failures by reason</h3>
      {failures.length ? (
        <table>
          <TableHead columns={['Reason', 'Since start']} />
          <tbody>
            {failures.map((f) => (
              <tr key={f.reason}>
                <td className="mono">{f.reason}</td>
                <td>{f.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No failed handshakes since start.</p>
      )}
    </section>
  );
}

function Runtime({ overview, latest }: { overview: OverviewView; latest?: OverviewPoint }) {
  const { runtime } = overview;
  return (
    <section className="card" aria-labelledby="runtime-title">
      <h2 id="runtime-title">Runtime</h2>
      <dl className="facts">
        <dt>Throughput</dt>
        <dd>{formatNumber(latest?.inferencePerMin)} requests/min</dd>
        <dt>Latency p50 / p95</dt>
        <dd>
          {formatNumber(latest?.p50Ms, 2)} / {formatNumber(latest?.p95Ms, 2)} ms
        </dd>
        <dt>Queue depth</dt>
        <dd>{runtime.models.reduce((sum, m) => sum + m.queueDepth, 0)}</dd>
      </dl>
      <h3>Frameworks</h3>
      <ul className="plain">
        {runtime.frameworks.map((f) => (
          <li key={f.framework}>
            <strong>{f.framework}</strong>{' '}
            {f.available ? <Badge tone="good">{f.version ?? 'available'}</Badge> : <Badge tone="neutral">not installed</Badge>}{' '}
            {f.simulated && <Badge tone="warn">simulated</Badge>}
          </li>
        ))}
      </ul>
      <h3>Models</h3>
      <ul className="plain">
        {runtime.models.map((m) => (
          <li key={m.name}>
            <strong>{m.name}</strong> <Badge tone={m.state === 'READY' ? 'good' : m.state === 'LOADING' ? 'warn' : 'bad'}>{m.state}</Badge>{' '}
            {m.simulated && <Badge tone="warn">simulated</Badge>} <span className="muted">queue {m.queueDepth}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Probes() {
  const probes = useProbes();
  return (
    <section className="card" aria-labelledby="probes-title">
      <h2 id="probes-title">Probes</h2>
      <ErrorText action="Reading the probes" error={probes.error} />
      <ul className="plain">
        {probes.data?.map((p) => (
          <li key={p.probe}>
            /health/{p.probe}: <span data-testid={`probe-${p.probe}`}>{p.up ? <Badge tone="good">up</Badge> : <Badge tone="bad">down</Badge>}</span>
            {p.problems.length > 0 && <span className="muted"> — {p.problems.join('; ')}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Environment({ overview }: { overview: OverviewView }) {
  return (
    <section className="card" aria-labelledby="env-title">
      <h2 id="env-title">Environment</h2>
      <dl className="facts">
        <dt>Mode</dt>
        <dd>
          <Badge tone={overview.env.mode === 'production' ? 'good' : 'warn'}>{overview.env.mode}</Badge>
        </dd>
        <dt>Env hash</dt>
        <dd className="mono" data-testid="env-hash">
          {overview.env.hash}
        </dd>
        <dt>Version</dt>
        <dd>{overview.version}</dd>
        <dt>Instance</dt>
        <dd className="mono">{overview.instanceId}</dd>
      </dl>
    </section>
  );
}

export function OverviewPage() {
  const overview = useOverview();
  const history = useOverviewHistory();
  const points = useMemo(() => pointsFrom(history), [history]);
  return (
    <>
      <h1>Overview</h1>
      <ErrorText action="Reading the overview" error={overview.error} />
      {overview.data && (
        <>
          <Charts points={points} />
          <div className="grid">
            <Handshake overview={overview.data} />
            <Runtime overview={overview.data} latest={points.at(-1)} />
            <Probes />
            <Environment overview={overview.data} />
          </div>
        </>
      )}
    </>
  );
}
