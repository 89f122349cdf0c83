/** A failed action's error in words, next to the control that failed; nothing when there is none. */
export function ErrorText({ action, error }: { action: string; error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <p role="alert" className="error">
      {action} failed: {message}
    </p>
  );
}
