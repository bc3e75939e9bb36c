import { apiRoute } from '@/lib/http/api-route';
import { attachment } from '@/lib/http/attachment';
import { filterOf, parseResultsQuery, searchResults } from '@/lib/data/result-dto';
import { exportResults } from '@/lib/data/results-export';

export const dynamic = 'force-dynamic';

/**
 * Finished jobs by task, state, finish time (`from`/`to`: ISO date-time or ms)
 * and text in the arguments, result or error (`q`), newest first.
 *  - no `format`: one page as JSON `{ rows, next, scanned, reached }`; pass `cursor=<next>` for the following one.
 *  - `format=csv` or `format=json`: the whole result set as a streamed download.
 */
export const GET = apiRoute(async (req) => {
  const q = parseResultsQuery(new URL(req.url).searchParams);
  if (!q.format) return searchResults(q);
  const filter = await filterOf(q);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return new Response(exportResults(filter, q.format), {
    headers: {
      'content-type': q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'content-disposition': attachment(`celerity-results-${stamp}.${q.format}`),
      'cache-control': 'no-store',
    },
  });
});
