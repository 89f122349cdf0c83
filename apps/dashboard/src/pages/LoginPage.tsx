import { FormEvent, useState } from 'react';
import { ErrorText } from '../components/ErrorText';
import { useSignIn } from '../hooks/use-session';

/** Sign-in; `notice` says why the user is here again (e.g. the session expired). */
export function LoginPage({ notice }: { notice?: string }) {
  const signIn = useSignIn();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate({ name, password });
  };
  return (
    <main className="auth-page">
      <h1>Neural Fabric</h1>
      <form onSubmit={submit} className="card auth-card" aria-labelledby="sign-in-title">
        <h2 id="sign-in-title">Sign in</h2>
        {notice && (
          <p role="status" className="notice" data-testid="sign-in-notice">
            {notice}
          </p>
        )}
        <label>
          Name
          <input name="name" autoComplete="username" required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
        <ErrorText action="Sign-in" error={signIn.error} />
      </form>
    </main>
  );
}
