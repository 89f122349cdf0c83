import { Counter, Gauge, register, Registry } from 'prom-client';
import { AUDIT_ACTIONS } from './audit.actions';

/** nf_audit_* metrics. The action label is one of AUDIT_ACTIONS or "other". */
export class AuditMetrics {
  readonly entries: Counter<'action'>;
  readonly chainOk: Gauge;

  constructor(registry: Registry = register) {
    this.entries = new Counter({
      name: 'nf_audit_entries_total',
      help: 'Audit entries appended by this process, by action (known actions, else "other")',
      labelNames: ['action'],
      registers: [registry],
    });
    for (const action of [...AUDIT_ACTIONS, 'other']) this.entries.inc({ action }, 0);
    this.chainOk = new Gauge({
      name: 'nf_audit_chain_ok',
      help: '1 if the last audit chain verification found every entry intact, 0 if not (unset until the first one)',
      registers: [registry],
    });
  }
}
