import Link from 'next/link';
import type { IncidentTarget as Target } from '@/lib/data/incident-dto';
import { seg } from '../../api';

const PAGE: Record<Target['kind'], (name: string) => string> = {
  queue: (n) => `/queues/${seg(n)}`,
  task: (n) => `/tasks/${seg(n)}`,
  schedule: (n) => `/schedules/${seg(n)}`,
};

/** What the incident's rule watches, linked to its page ("queue default", "task fail"); — when the rule is gone or watches every worker. */
export function IncidentTarget({ target }: { target: Target | null }) {
  if (!target) return <>—</>;
  return (
    <>
      {target.kind}{' '}
      <Link href={PAGE[target.kind](target.name)} className="underline">
        {target.name}
      </Link>
    </>
  );
}

/** The page the incident points at (a job, a queue…): within the console when it is this console's. */
export function IncidentLink({ href, children }: { href: string; children: React.ReactNode }) {
  if (!href) return null;
  return href.startsWith('/') ? (
    <Link href={href} className="underline">
      {children}
    </Link>
  ) : (
    <a href={href} className="underline">
      {children}
    </a>
  );
}
