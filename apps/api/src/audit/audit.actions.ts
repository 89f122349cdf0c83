/**
 * The actions other modules record. Any string may be stored, but only these become their own
 * value of the `action` metric label; anything else counts as "other" (labels stay bounded).
 */
export const AUDIT_ACTIONS = [
  'login_succeeded',
  'login_failed',
  'logout',
  'password_changed',
  'admin_created',
  'password_reset',
  'tenant_created',
  'api_key_created',
  'api_key_revoked',
  'rotation_requested',
  'rotation_amended',
  'rotation_approved',
  'rotation_rejected',
  'rotation_cancelled',
  'rotation_expired',
  'rotation_executed',
  'rotation_failed',
  'rotation_recovered',
  'key_min_version_set',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

const KNOWN: ReadonlySet<string> = new Set(AUDIT_ACTIONS);

export function actionLabel(action: string): AuditAction | 'other' {
  return KNOWN.has(action) ? (action as AuditAction) : 'other';
}
