'use client';
import { createContext, useContext } from 'react';

export type SessionRole = 'admin' | 'viewer' | 'read token' | 'write token';

/**
 * Who is looking at the page, for the UI only: which buttons to show. The
 * server checks every action again (a hidden button is a courtesy, not a lock).
 */
export interface SessionView {
  /** Accounts are configured (false: the console is open on loopback). */
  authEnabled: boolean;
  /** Signed-in user name, or the API token's name; null in the open console. */
  user: string | null;
  /** What the caller is (shown next to the name): a user's role, or which kind of API token. */
  role: SessionRole;
  canWrite: boolean;
  isAdmin: boolean;
}

/** Without a provider (tests, stories): the open console, as before accounts existed. */
const OPEN: SessionView = { authEnabled: false, user: null, role: 'admin', canWrite: true, isAdmin: true };

const SessionContext = createContext<SessionView>(OPEN);

export function SessionProvider({ session, children }: { session: SessionView; children: React.ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionView {
  return useContext(SessionContext);
}

/** Whether to show buttons that change state (run, retry, delete, pause…). */
export function useCanWrite(): boolean {
  return useContext(SessionContext).canWrite;
}
