import type { OverviewView, SessionView } from '@nf/contracts';
import { useState } from 'react';
import { Badge } from '../components/Badge';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Panel, usePanelState } from '../components/Panel';
import { TableHead } from '../components/TableHead';
import { useChangeModel } from '../hooks/use-models';
import { useOverview } from '../hooks/use-overview';
import type { ModelAction } from '../api/models';
import { formatNumber, formatTime } from '../lib/format';
import { unloadConsequences } from '../lib/models';

type Model = OverviewView['runtime']['models'][number];

const COLUMNS = ['Model', 'Version', 'State', 'Runs on', 'Load time', 'Queued'];
const DOING: Record<ModelAction, string> = { load: 'Loading', unload: 'Unloading' };
const DONE: Record<ModelAction, string> = { load: 'loaded', unload: 'unloaded' };

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

/** A load or unload: asked for (unload after a confirmation), in progress, then its outcome with the time. */
function ModelActions({ model }: { model: Model }) {
  const change = useChangeModel();
  const [confirmUnload, setConfirmUnload] = useState<Model | null>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const loadLabel = model.state === 'READY' ? 'Reload' : 'Load';
  const run = (action: ModelAction) => {
    setOutcome(null);
    change.mutate(
      { name: model.name, action },
      {
        onSuccess: () => setOutcome({ ok: true, text: `${model.name} ${action === 'load' && model.state === 'READY' ? 'reloaded' : DONE[action]} at ${formatTime(Date.now())}.` }),
        onError: (error) => setOutcome({ ok: false, text: `${DOING[action]} ${model.name} failed: ${error.message}` }),
        onSettled: () => setConfirmUnload(null),
      },
    );
  };
  return (
    <>
      <div className="actions">
        <button type="button" onClick={() => run('load')} disabled={change.isPending} aria-label={`${loadLabel} ${model.name}`}>
          {loadLabel}
        </button>
        <button type="button" onClick={() => setConfirmUnload(model)} disabled={change.isPending || model.state !== 'READY'} aria-label={`Unload ${model.name}`}>
          Unload
        </button>
      </div>
      <p className="model-progress" role="status" data-testid={`model-outcome-${model.name}`}>
        {change.isPending && `${DOING[change.variables.action]} ${model.name}…`}
        {!change.isPending && outcome && <span className={outcome.ok ? 'good-text' : 'error'}>{outcome.text}</span>}
      </p>
      {confirmUnload && (
        <ConfirmDialog
          title={`Unload ${confirmUnload.name}?`}
          lines={unloadConsequences(confirmUnload)}
          confirmLabel={`Unload ${confirmUnload.name}`}
          busy={change.isPending}
          onConfirm={() => run('unload')}
          onCancel={() => setConfirmUnload(null)}
        >
          {change.isPending && <p role="status">Unloading {confirmUnload.name}…</p>}
        </ConfirmDialog>
      )}
    </>
  );
}

function ModelRow({ model, budgetMs, canChange }: { model: Model; budgetMs: number; canChange: boolean }) {
  return (
    <tr data-testid={`model-${model.name}`}>
      <th scope="row" data-label="Model">
        {model.name}
      </th>
      <td data-label="Version">{model.version || '–'}</td>
      <td data-label="State">
        <Badge tone={model.state === 'READY' ? 'good' : model.state === 'LOADING' ? 'warn' : 'bad'}>{model.state}</Badge>
        {model.reason && <div className="muted">{model.reason}</div>}
      </td>
      <td data-label="Runs on">
        {model.framework} {model.simulated && <Badge tone="warn">simulated</Badge>}
      </td>
      <td data-label="Load time">
        <LoadTime model={model} budgetMs={budgetMs} />
      </td>
      <td data-label="Queued">{model.queueDepth}</td>
      {canChange && (
        <td data-label="Actions">
          <ModelActions model={model} />
        </td>
      )}
    </tr>
  );
}

export function ModelsPage({ admin }: { admin: SessionView['admin'] }) {
  const overview = useOverview();
  const runtime = overview.data?.runtime;
  const canChange = admin.role === 'admin';
  const mocked = runtime?.models.filter((m) => m.simulated).map((m) => m.name) ?? [];
  return (
    <>
      <h1>Models</h1>
      <Panel id="models" title="Model repository" state={usePanelState(overview)}>
        {runtime && (
          <>
            <p>Load + warmup budget: {runtime.loadBudgetMs} ms per model (a slower model still serves, flagged).</p>
            {mocked.length > 0 && (
              <p className="notice" data-testid="mock-served">
                Served by the mock runtime (simulated): {mocked.join(', ')}
              </p>
            )}
            <table data-testid="models" className="stack">
              <TableHead columns={canChange ? [...COLUMNS, 'Actions'] : COLUMNS} />
              <tbody>
                {runtime.models.map((m) => (
                  <ModelRow key={m.name} model={m} budgetMs={runtime.loadBudgetMs} canChange={canChange} />
                ))}
              </tbody>
            </table>
          </>
        )}
      </Panel>
    </>
  );
}
