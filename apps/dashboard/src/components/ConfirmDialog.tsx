import { useEffect, useId, useRef } from 'react';

interface Props {
  title: string;
  /** Exactly what confirming changes, one statement per line. */
  lines: string[];
  confirmLabel: string;
  busy: boolean;
  /** The confirm button stays disabled (e.g. a required reason is missing). */
  confirmDisabled?: boolean;
  onConfirm(): void;
  onCancel(): void;
  children?: React.ReactNode;
}

/**
 * A modal confirmation (native <dialog>: focus stays inside, Escape cancels). Focus starts on
 * Cancel, so Enter alone never confirms a change. It fits the screen (scrolls inside on a phone).
 */
export function ConfirmDialog({ title, lines, confirmLabel, busy, confirmDisabled = false, onConfirm, onCancel, children }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const element = dialog.current;
    element?.showModal();
    // Focus where the admin acts first: a field marked data-autofocus (a required reason), else Cancel.
    (element?.querySelector<HTMLElement>('[data-autofocus]') ?? cancel.current)?.focus();
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
        <button type="button" onClick={onCancel} ref={cancel}>
          Cancel
        </button>
        <button type="button" className="primary" onClick={onConfirm} disabled={busy || confirmDisabled}>
          {busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
