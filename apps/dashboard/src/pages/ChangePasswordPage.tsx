import { FormEvent, useState } from 'react';
import { ErrorText } from '../components/ErrorText';
import { useChangePassword, useSignOut } from '../hooks/use-session';

const MIN_LENGTH = 12;

/** The forced first change of a one-time password; nothing else is reachable until it is done. */
export function ChangePasswordPage({ name }: { name: string }) {
  const change = useChangePassword();
  const signOut = useSignOut();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const mismatch = repeat.length > 0 && next !== repeat;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!mismatch) change.mutate({ current, next });
  };
  return (
    <main className="auth-page">
      <h1>Neural Fabric</h1>
      <form onSubmit={submit} className="card auth-card" aria-labelledby="change-title">
        <h2 id="change-title">Choose a new password</h2>
        <p>
          {name}, you signed in with a one-time password. Choose your own before anything else: at least {MIN_LENGTH} characters and hard to guess (a passphrase of a few unrelated words works well).
        </p>
        <label>
          One-time password
          <input name="current" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        </label>
        <label>
          New password
          <input name="new" type="password" autoComplete="new-password" required minLength={MIN_LENGTH} value={next} onChange={(e) => setNext(e.target.value)} />
        </label>
        <label>
          Repeat new password
          <input name="repeat" type="password" autoComplete="new-password" required value={repeat} onChange={(e) => setRepeat(e.target.value)} aria-invalid={mismatch} />
        </label>
        {mismatch && <p className="error">The two new passwords differ.</p>}
        <div className="actions">
          <button type="submit" className="primary" disabled={change.isPending || mismatch}>
            Change password
          </button>
          <button type="button" onClick={() => signOut.mutate()}>
            Sign out
          </button>
        </div>
        <ErrorText action="Password change" error={change.error} />
        <ErrorText action="Signing out" error={signOut.error} />
      </form>
    </main>
  );
}
