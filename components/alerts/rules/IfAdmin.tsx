'use client';
import { useSession } from '../../auth/SessionProvider';

/** Render `children` only for admins: alert rules and channels are an admin's configuration (the API refuses others). */
export function IfAdmin({ children }: { children: React.ReactNode }) {
  return <>{useSession().isAdmin ? children : null}</>;
}
