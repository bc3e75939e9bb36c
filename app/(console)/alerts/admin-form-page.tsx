import Link from 'next/link';
import type { ReactNode } from 'react';
import { PageHeader } from '@/components/ui/PageHeader';
import { requireAccess } from '@/app/_auth/require-access';

interface FormPage {
  /** The list the breadcrumb leads back to. */
  back: { href: string; label: string };
  /** What follows the list in the breadcrumb (an edited item's "name / edit"), if anything. */
  trail?: string;
  title: string;
  description?: string;
}

/**
 * An alert rule's or channel's create/edit page: breadcrumb and header, then —
 * checked before anything is read, so a viewer typing the address gets a
 * refusal, not a form the server would refuse — the admin's body.
 */
export async function adminFormPage(page: FormPage, body: () => Promise<ReactNode>): Promise<ReactNode> {
  const header = (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500 dark:text-slate-400">
        <Link href={page.back.href} className="hover:underline">
          {page.back.label}
        </Link>
        {page.trail ? ` / ${page.trail}` : null}
      </nav>
      <PageHeader title={page.title} description={page.description} />
    </>
  );
  const access = await requireAccess('admin');
  return (
    <>
      {header}
      {access.allowed ? await body() : access.refusal}
    </>
  );
}
