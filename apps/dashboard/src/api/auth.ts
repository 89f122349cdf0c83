import type { ServiceModeView, SessionView } from '@nf/contracts';
import { ApiError, rememberCsrfToken, request } from './client';

function remembered(session: SessionView): SessionView {
  rememberCsrfToken(session.csrfToken);
  return session;
}

export async function signIn(name: string, password: string): Promise<SessionView> {
  return remembered(await request<SessionView>('POST', '/auth/login', { body: { name, password }, unauthorizedIsAnswer: true }));
}

export const serviceMode = () => request<ServiceModeView>('GET', '/auth/mode');

/** The current session, or null when there is none (not signed in, or it expired). */
export async function currentSession(): Promise<SessionView | null> {
  try {
    return remembered(await request<SessionView>('GET', '/auth/me', { unauthorizedIsAnswer: true }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

/** Ends the session; one that already ended (401) counts as signed out. */
export async function signOut(): Promise<void> {
  try {
    await request<void>('POST', '/auth/logout', { unauthorizedIsAnswer: true });
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
  rememberCsrfToken(undefined);
}

export function changePassword(current: string, next: string): Promise<void> {
  return request<void>('POST', '/auth/password', { body: { current, new: next } });
}
