import type { PolicyStatus } from '@nf/contracts';
import { Badge, Tone } from '../components/Badge';
import { ErrorText } from '../components/ErrorText';
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
      <ErrorText action="Reading the policies" error={policies.error} />
      {view && (
        <>
          <section className="card" aria-labelledby="document-title">
            <h2 id="document-title">
              Policy document <Badge tone={TONE[view.overall]}>overall {view.overall}</Badge>
            </h2>
            <p>
              <span className="mono">{view.document.path}</span>:{' '}
              {view.document.present ? `version ${view.document.version ?? 'unknown'}` : 'missing'} (expected {view.document.expectedVersion})
            </p>
          </section>
          <table data-testid="policies">
            <TableHead columns={['Policy', 'Status', 'Summary', 'Evidence', 'Checked']} />
            <tbody>
              {view.policies.map((p) => (
                <tr key={p.id} data-testid={`policy-${p.id}`}>
                  <th scope="row">
                    {p.id} {p.name}
                  </th>
                  <td>
                    <Badge tone={TONE[p.status]}>{p.status}</Badge>
                  </td>
                  <td>{p.summary}</td>
                  <td>
                    <dl className="evidence">
                      {Object.entries(p.evidence).map(([name, value]) => (
                        <div key={name}>
                          <dt>{name}</dt>
                          <dd className="mono">{String(value)}</dd>
                        </div>
                      ))}
                    </dl>
                  </td>
                  <td>{formatTime(p.checkedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
