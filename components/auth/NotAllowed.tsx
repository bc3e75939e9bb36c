import { Notice } from '../ui/Notice';

/**
 * What a viewer (or a read token) gets on a page whose only purpose is a change
 * (a form): a refusal that says why, instead of a form the server would refuse.
 */
export function NotAllowed({ role, children }: { role: string; children: React.ReactNode }) {
  return (
    <Notice tone="error" title="Not allowed">
      {children} Your role ({role}) can look but not change anything; ask an admin if you need to.
    </Notice>
  );
}
