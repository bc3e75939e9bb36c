import Link from 'next/link';
import { load } from '@/lib/data/load';
import { InvalidError } from '@/lib/errors';
import { getRedis } from '@/lib/redis';
import { readCatalogue } from '@/lib/registry/catalogue';
import { discoverQueues } from '@/lib/queue/queue-registry';
import { parseResultsQuery, searchResults, type ResultsQuery } from '@/lib/data/result-dto';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { Notice } from '@/components/ui/Notice';
import { Time } from '@/components/ui/Time';
import { ResultsSearchForm } from '@/components/results/ResultsSearchForm';
import { resultsQuery } from '@/components/results/results-query';
import { ResultsTable } from '@/components/results/ResultsTable';
import { withBase } from '@/components/base-path';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Results' };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function ResultsPage({ searchParams }: Props) {
  const raw = await searchParams;
  let query: ResultsQuery | null = null;
  let invalid: string | null = null;
  try {
    query = parseResultsQuery(raw);
  } catch (err) {
    if (!(err instanceof InvalidError)) throw err;
    invalid = err.message;
  }
  const res = await load(async () => {
    const redis = getRedis();
    const [catalogue, queues] = await Promise.all([readCatalogue(redis), discoverQueues({ maxAgeMs: 'auto' })]);
    let page = null;
    if (query) {
      try {
        page = await searchResults(query);
      } catch (err) {
        if (!(err instanceof InvalidError)) throw err;
        invalid = err.message;
      }
    }
    return { tasks: catalogue.map((e) => e.name), queues, page };
  });
  const form = query ? { task: query.task, queue: query.queue, state: query.state, from: query.from, to: query.to, q: query.q } : {};
  const base = resultsQuery(form);
  const with_ = (extra: Record<string, string>) => {
    const sp = new URLSearchParams(base);
    for (const [k, v] of Object.entries(extra)) sp.set(k, v);
    return sp.toString();
  };
  return (
    <>
      <PageHeader
        title="Results"
        description="Search finished jobs of every queue by task, state, finish time, and text in their arguments, result or error — over the history retention keeps."
      />
      {!res.ok ? (
        res.reason === 'not_found' ? (
          <Notice tone="error" title="No such queue">
            {res.message}
          </Notice>
        ) : (
          <Unavailable />
        )
      ) : (
        <div className="space-y-4">
          <ResultsSearchForm initial={form} tasks={res.data.tasks} queues={res.data.queues} />
          {invalid && (
            <Notice tone="error" title="The search could not run">
              {invalid}
            </Notice>
          )}
          {res.data.page && (
            <>
              <div className="flex flex-wrap items-center justify-between gap-3 text-sm">
                <p role="status" aria-label="Search summary">
                  {res.data.page.rows.length === 0
                    ? 'No matching jobs'
                    : `${res.data.page.rows.length} matching ${res.data.page.rows.length === 1 ? 'job' : 'jobs'}`}
                  {res.data.page.next ? (
                    <>
                      {' '}
                      among the newest {res.data.page.scanned.toLocaleString('en')} searched (back to <Time ms={res.data.page.reached} />)
                    </>
                  ) : raw.cursor ? (
                    ' (end of the history)'
                  ) : (
                    ''
                  )}
                  .
                </p>
                <p className="flex gap-3">
                  <a
                    href={withBase(`/api/v1/results?${with_({ format: 'csv' })}`)}
                    download
                    className="font-medium text-indigo-700 underline dark:text-indigo-300"
                  >
                    Export CSV
                  </a>
                  <a
                    href={withBase(`/api/v1/results?${with_({ format: 'json' })}`)}
                    download
                    className="font-medium text-indigo-700 underline dark:text-indigo-300"
                  >
                    Export JSON
                  </a>
                </p>
              </div>
              {res.data.page.rows.length > 0 && <ResultsTable rows={res.data.page.rows} />}
              {(res.data.page.next || raw.cursor) && (
                <nav aria-label="Result pages" className="flex gap-4 text-sm">
                  {raw.cursor && (
                    <Link href={`/results?${base.toString()}`} className="underline">
                      Newest results
                    </Link>
                  )}
                  {res.data.page.next && (
                    <Link href={`/results?${with_({ cursor: res.data.page.next })}`} className="underline">
                      Older results
                    </Link>
                  )}
                </nav>
              )}
            </>
          )}
        </div>
      )}
    </>
  );
}
