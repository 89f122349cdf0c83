import type { PolicyStatus } from '@nf/contracts';
import { Badge, Tone } from '../components/Badge';
import { Panel, usePanelState } from '../components/Panel';
import { TableHead } from '../components/TableHead';
import { usePolicies } from '../hooks/use-policies';
import { formatTime } from '../lib/format';

const TONE: Record<PolicyStatus, Tone> = { pass: 'good', warn: 'warn', fail: 'bad' };

export function PoliciesPage() {
  const policies = usePolicies();
  const view = policies.data;
  return (
    <>
      <h1>Policies</h1>
      <Panel id="policies" title="Policy document" state={usePanelState(policies)}>
      {view && (
        <>
            <p>
              <Badge tone={TONE[view.overall]}>overall {view.overall}</Badge>{' '}
              <span className="mono">{view.document.path}</span>:{' '}
              {view.document.present ? `version ${view.document.version ?? 'unknown'}` : 'missing'} (expected {view.document.expectedVersion})
            </p>
          <table data-testid="policies" className="stack">
            <TableHead columns={['Policy', 'Status', 'Summary', 'Evidence', 'Checked']} />
            <tbody>
              {view.policies.map((p) => (
                <tr key={p.id} data-testid={`policy-${p.id}`}>
                  <th scope="row" data-label="Policy">
                    {p.id} {p.name}
                  </th>
                  <td data-label="Status">
                    <Badge tone={TONE[p.status]}>{p.status}</Badge>
                  </td>
                  <td data-label="Summary">{p.summary}</td>
                  <td data-label="Evidence">
                    <dl className="evidence">
                      {Object.entries(p.evidence).map(([name, value]) => (
                        <div key={name}>
                          <dt>{name}</dt>
                          <dd className="mono">{String(value)}</dd>
                        </div>
                      ))}
                    </dl>
                  </td>
                  <td data-label="Checked">{formatTime(p.checkedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      </Panel>
    </>
  );
}
