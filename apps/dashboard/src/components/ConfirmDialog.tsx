import { useEffect, useId, useRef } from 'react';

interface Props {
  title: string;
  /** Exactly what confirming changes, one statement per line. */
  lines: string[];
  confirmLabel: string;
  busy: boolean;
  onConfirm(): void;
  onCancel(): void;
  children?: React.ReactNode;
}

/**
 * A modal confirmation (native <dialog>: focus stays inside, Escape cancels). Focus starts on
 * Cancel, so Enter alone never confirms a change.
 */
export function ConfirmDialog({ title, lines, confirmLabel, busy, onConfirm, onCancel, children }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const element = dialog.current;
    element?.showModal();
    return () => element?.close();
  }, []);
  return (
    <dialog ref={dialog} aria-labelledby={titleId} onCancel={onCancel} className="dialog">
      <h2 id={titleId}>{title}</h2>
      <ul className="consequences">
        {lines.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {children}
      <div className="actions">
        <button type="button" onClick={onCancel} autoFocus>
          Cancel
        </button>
        <button type="button" className="primary" onClick={onConfirm} disabled={busy}>
          {busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
