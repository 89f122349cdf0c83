import { useQueryClient } from '@tanstack/react-query';
import type { SessionView } from '@nf/contracts';
import { useEffect, useState } from 'react';
import { onSessionExpired } from './api/client';
import { ErrorText } from './components/ErrorText';
import { ServiceStatus } from './components/ServiceStatus';
import { SimulationBanner } from './components/SimulationBanner';
import { usePage } from './hooks/use-page';
import { ReachabilityProvider } from './hooks/use-reachability';
import { queryKeys } from './hooks/query-keys';
import { useReplaceSession, useSession, useSignOut } from './hooks/use-session';
import { hrefOf, PageId, PAGES } from './lib/route';
import { AuditPage } from './pages/AuditPage';
import { ChangePasswordPage } from './pages/ChangePasswordPage';
import { KeysPage } from './pages/KeysPage';
import { LoginPage } from './pages/LoginPage';
import { ModelsPage } from './pages/ModelsPage';
import { OverviewPage } from './pages/OverviewPage';
import { PoliciesPage } from './pages/PoliciesPage';

const EXPIRED_NOTICE = 'Your session expired or was ended. Sign in again.';

function Page({ page, admin }: { page: PageId; admin: SessionView['admin'] }) {
  switch (page) {
    case 'keys':
      return <KeysPage admin={admin} />;
    case 'audit':
      return <AuditPage />;
    case 'policies':
      return <PoliciesPage />;
    case 'models':
      return <ModelsPage admin={admin} />;
    default:
      return <OverviewPage />;
  }
}

function skipToContent(event: React.MouseEvent) {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

function Shell({ session }: { session: SessionView }) {
  const page = usePage();
  const signOut = useSignOut();
  useEffect(() => {
    document.title = `${PAGES.find((p) => p.id === page)?.title} · Neural Fabric`;
  }, [page]);
  return (
    <>
      {/* The hash names the page, so the skip link moves focus itself instead of changing the hash. */}
      <a href="#main" className="skip-link" onClick={skipToContent}>
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Neural Fabric</span>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <a key={p.id} href={hrefOf(p.id)} aria-current={p.id === page ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
        <span className="who" data-testid="signed-in-as">
          {session.admin.name} ({session.admin.role})
        </span>
        <button type="button" onClick={() => signOut.mutate()}>
          Sign out
        </button>
      </header>
      <ServiceStatus />
      <SimulationBanner />
      <main id="main" tabIndex={-1}>
        <ErrorText action="Signing out" error={signOut.error} />
        <Page page={page} admin={session.admin} />
      </main>
    </>
  );
}

/** Sign-in gate: the forced password change comes first, a 401 anywhere returns here with a notice. */
export function App() {
  const session = useSession();
  const replaceSession = useReplaceSession();
  const client = useQueryClient();
  const [notice, setNotice] = useState<string>();

  useEffect(
    () =>
      onSessionExpired(() => {
        if (!client.getQueryData(queryKeys.session)) return;
        setNotice(EXPIRED_NOTICE);
        replaceSession(null);
      }),
    [client, replaceSession],
  );
  useEffect(() => {
    if (session.data) setNotice(undefined);
  }, [session.data]);

  if (session.isPending) return <p className="loading">Loading…</p>;
  if (session.error) {
    return (
      <main className="auth-page">
        <ErrorText action="Reading the session" error={session.error} />
      </main>
    );
  }
  if (!session.data || session.data.mustChangePassword) {
    return (
      <>
        <SimulationBanner />
        {session.data ? <ChangePasswordPage name={session.data.admin.name} /> : <LoginPage notice={notice} />}
      </>
    );
  }
  return (
    <ReachabilityProvider>
      <Shell session={session.data} />
    </ReachabilityProvider>
  );
}
