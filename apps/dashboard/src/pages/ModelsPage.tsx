import type { OverviewView, SessionView } from '@nf/contracts';
import { Badge } from '../components/Badge';
import { ErrorText } from '../components/ErrorText';
import { TableHead } from '../components/TableHead';
import { useChangeModel } from '../hooks/use-models';
import { useOverview } from '../hooks/use-overview';
import { formatNumber } from '../lib/format';

type Model = OverviewView['runtime']['models'][number];

const COLUMNS = ['Model', 'Version', 'State', 'Runs on', 'Load time', 'Queued'];

/** Load time against the budget: a meter that is full at the budget. */
function LoadTime({ model, budgetMs }: { model: Model; budgetMs: number }) {
  if (model.loadMs === null) return <span className="muted">–</span>;
  return (
    <span className="budget">
      <meter min={0} max={budgetMs} value={Math.min(model.loadMs, budgetMs)} aria-label={`${model.name} load time against the ${budgetMs} ms budget`} />
      <span data-testid={`load-ms-${model.name}`}>
        {formatNumber(model.loadMs)} ms of {budgetMs} ms
      </span>{' '}
      {model.overBudget && <Badge tone="bad">over budget</Badge>}
    </span>
  );
}

function ModelRow({ model, budgetMs, canChange }: { model: Model; budgetMs: number; canChange: boolean }) {
  const change = useChangeModel();
  const loadLabel = model.state === 'READY' ? 'Reload' : 'Load';
  return (
    <tr data-testid={`model-${model.name}`}>
      <th scope="row">{model.name}</th>
      <td>{model.version || '–'}</td>
      <td>
        <Badge tone={model.state === 'READY' ? 'good' : model.state === 'LOADING' ? 'warn' : 'bad'}>{model.state}</Badge>
        {model.reason && <div className="muted">{model.reason}</div>}
      </td>
      <td>
        {model.framework} {model.simulated && <Badge tone="warn">simulated</Badge>}
      </td>
      <td>
        <LoadTime model={model} budgetMs={budgetMs} />
      </td>
      <td>{model.queueDepth}</td>
      {canChange && (
        <td>
          <div className="actions">
            <button type="button" onClick={() => change.mutate({ name: model.name, action: 'load' })} disabled={change.isPending} aria-label={`${loadLabel} ${model.name}`}>
              {loadLabel}
            </button>
            <button type="button" onClick={() => change.mutate({ name: model.name, action: 'unload' })} disabled={change.isPending || model.state !== 'READY'} aria-label={`Unload ${model.name}`}>
              Unload
            </button>
          </div>
          <ErrorText action={change.variables?.action === 'unload' ? 'Unloading' : 'Loading'} error={change.error} />
        </td>
      )}
    </tr>
  );
}

export function ModelsPage({ admin }: { admin: SessionView['admin'] }) {
  const overview = useOverview();
  const runtime = overview.data?.runtime;
  const canChange = admin.role === 'admin';
  return (
    <>
      <h1>Models</h1>
      <ErrorText action="Reading the models" error={overview.error} />
      {runtime && (
        <>
          <p>Load + warmup budget: {runtime.loadBudgetMs} ms per model (a slower model still serves, flagged).</p>
          <table data-testid="models">
            <TableHead columns={canChange ? [...COLUMNS, 'Actions'] : COLUMNS} />
            <tbody>
              {runtime.models.map((m) => (
                <ModelRow key={m.name} model={m} budgetMs={runtime.loadBudgetMs} canChange={canChange} />
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
