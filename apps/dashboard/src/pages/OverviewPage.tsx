import type { OverviewView } from '@nf/contracts';
import { useMemo, useState } from 'react';
import { Badge } from '../components/Badge';
import { Freshness, Panel, usePanelState } from '../components/Panel';
import { TableHead } from '../components/TableHead';
import { TimeSeriesChart } from '../components/TimeSeriesChart';
import { useNow } from '../hooks/use-now';
import { useOverview, useOverviewHistory, useProbes } from '../hooks/use-overview';
import { formatNumber, formatSpan, groupHex } from '../lib/format';
import { failuresByReason } from '../lib/metrics';
import { OverviewPoint, pointsFrom, rateWindowMs } from '../lib/rates';
import { CHART_RANGES, ChartRangeId, timeRange } from '../lib/time-axis';

const COLORS = { primary: '#2563eb', bad: '#dc2626', second: '#9333ea' };

type Metric = Exclude<keyof OverviewPoint, 'at'>;

/** What each chart plots: one line per point field. */
const CHARTS: { id: string; title: string; unit: string; lines: { label: string; color: string; metric: Metric }[] }[] = [
  {
    id: 'handshakes',
    title: 'Handshakes',
    unit: '/min',
    lines: [
      { label: 'succeeded', color: COLORS.primary, metric: 'handshakesPerMin' },
      { label: 'failed', color: COLORS.bad, metric: 'handshakeFailuresPerMin' },
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

function Charts() {
  const [range, setRange] = useState<ChartRangeId>('15m');
  const history = useOverviewHistory(range);
  const state = usePanelState(history);
  const now = useNow(5000);
  const rangeMs = CHART_RANGES.find((r) => r.id === range)!.ms;
  const windowMs = rateWindowMs(history.data?.intervalMs ?? 10_000);
  const xRange = useMemo(() => timeRange(history.dataUpdatedAt || now, rangeMs), [history.dataUpdatedAt, now, rangeMs]);
  const points = useMemo(() => {
    if (!history.data) return [];
    return pointsFrom(history.data, windowMs).filter((p) => p.at >= xRange[0] * 1000);
  }, [history.data, windowMs, xRange]);
  const times = useMemo(() => points.map((p) => p.at), [points]);
  const series = useMemo(
    () => CHARTS.map((chart) => chart.lines.map(({ label, color, metric }) => ({ label, color, values: points.map((p) => p[metric]) }))),
    [points],
  );
  return (
    <section aria-labelledby="charts-title" className={`charts-block ${state.kind === 'unknown' ? 'unknown' : ''}`} data-testid="panel-charts" data-state={state.kind}>
      <div className="charts-head">
        <h2 id="charts-title">History</h2>
        <div className="segmented" role="group" aria-label="Chart range">
          {CHART_RANGES.map((r) => (
            <button key={r.id} type="button" aria-pressed={r.id === range} onClick={() => setRange(r.id)}>
              {r.label}
            </button>
          ))}
        </div>
        <span className="muted">
          UTC; rates over {formatSpan(windowMs / 1000)} windows{history.data ? `, a sample every ${formatSpan(history.data.intervalMs / 1000)}` : ''}
        </span>
        <Freshness state={state} testId="panel-charts-freshness" />
      </div>
      {state.kind === 'fresh' && (
        <div className="charts">
          {CHARTS.map((chart, i) => (
            <TimeSeriesChart key={chart.id} id={chart.id} title={chart.title} unit={chart.unit} times={times} series={series[i]} range={xRange} />
          ))}
        </div>
      )}
    </section>
  );
}

function Handshake({ overview }: { overview: OverviewView }) {
  const { handshake } = overview;
  const failures = failuresByReason(handshake.outcomes);
  return (
    <>
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
        <table className="stack">
          <TableHead columns={['Reason', 'Since start']} />
          <tbody>
            {failures.map((f) => (
              <tr key={f.reason}>
                <td className="mono" data-label="Reason">{f.reason}</td>
                <td data-label="Since start">{f.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No failed handshakes since start.</p>
      )}
    </>
  );
}

function Runtime({ overview }: { overview: OverviewView }) {
  const { runtime } = overview;
  return (
    <>
      <dl className="facts">
        <dt>Queue depth</dt>
        <dd>{runtime.models.reduce((sum, m) => sum + m.queueDepth, 0)}</dd>
        <dt>Requests since start</dt>
        <dd>{formatNumber(Object.values(overview.inference.outcomes).reduce((a, b) => a + b, 0))}</dd>
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
          <li key={m.name} data-testid={`overview-model-${m.name}`}>
            <strong>{m.name}</strong> <Badge tone={m.state === 'READY' ? 'good' : m.state === 'LOADING' ? 'warn' : 'bad'}>{m.state}</Badge>{' '}
            {m.simulated && <Badge tone="warn">simulated</Badge>} <span className="muted">queue {m.queueDepth}</span>
          </li>
        ))}
      </ul>
    </>
  );
}

function Probes() {
  const probes = useProbes();
  return (
    <Panel id="probes" title="Probes" state={usePanelState(probes)}>
      <ul className="plain">
        {probes.data?.map((p) => (
          <li key={p.probe}>
            /health/{p.probe}: <span data-testid={`probe-${p.probe}`}>{p.up ? <Badge tone="good">up</Badge> : <Badge tone="bad">down</Badge>}</span>
            {p.problems.length > 0 && <span className="muted"> — {p.problems.join('; ')}</span>}
          </li>
        ))}
      </ul>
    </Panel>
  );
}

function Environment({ overview }: { overview: OverviewView }) {
  return (
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
  );
}

export function OverviewPage() {
  const overview = useOverview();
  const state = usePanelState(overview);
  const data = overview.data;
  return (
    <>
      <h1>Overview</h1>
      <Charts />
      <div className="grid">
        <Panel id="handshake" title="Handshake" state={state}>
          {data && <Handshake overview={data} />}
        </Panel>
        <Panel id="runtime" title="Runtime" state={state}>
          {data && <Runtime overview={data} />}
        </Panel>
        <Probes />
        <Panel id="environment" title="Environment" state={state}>
          {data && <Environment overview={data} />}
        </Panel>
      </div>
    </>
  );
}
