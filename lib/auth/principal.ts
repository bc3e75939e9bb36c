import type { Role } from './users';

/**
 * Who is making a request, once authenticated:
 * - `open`: no accounts are configured, the console is open (loopback only) and everyone may do everything;
 * - `user`: a person signed in with a session;
 * - `token`: a script with an API token (`read` or `write` scope).
 */
export type Principal =
  | { kind: 'open' }
  | { kind: 'user'; name: string; role: Role; sessionHash: string; csrf: string }
  | { kind: 'token'; id: string; name: string; scope: TokenScope };

export const TOKEN_SCOPES = ['read', 'write'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** What a request needs: `read` (GET), `write` (anything that changes state), `admin` (accounts' business: tokens, audit). */
export type Access = 'read' | 'write' | 'admin';

/**
 * Whether `p` may do what `access` asks. Admin-level things (tokens, the audit
 * log) need a person: a token, even a write one, cannot mint more tokens.
 */
export function allows(p: Principal, access: Access): boolean {
  switch (p.kind) {
    case 'open':
      return true;
    case 'user':
      return access === 'read' || p.role === 'admin';
    case 'token':
      return access === 'read' || (access === 'write' && p.scope === 'write');
  }
}

/** How the audit log and the UI name the actor. */
export function actorName(p: Principal): string {
  switch (p.kind) {
    case 'open':
      return 'anonymous';
    case 'user':
      return p.name;
    case 'token':
      return `token:${p.name}`;
  }
}
