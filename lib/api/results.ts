import { z } from 'zod';
import { attachment } from '../http/attachment';
import { filterOf, resultsQuerySchema, searchResults } from '../data/result-dto';
import { exportResults } from '../data/results-export';
import { resultExportRecordSchema, resultPageSchema } from '../data/dto-schemas';
import { defineOperation } from './operation';

/**
 * Finished jobs by task, state, finish time (`from`/`to`: ISO date-time or ms)
 * and text in the arguments, result or error (`q`), newest first: one page as
 * JSON (`cursor=<next>` for the following one), or with `format=csv|json` the
 * whole result set as a streamed download.
 */
export const resultOperations = [
  defineOperation({
    method: 'get',
    path: '/api/v1/results',
    summary: 'Search finished jobs (or download them all as CSV or JSON)',
    tag: 'jobs',
    access: 'read',
    query: resultsQuerySchema,
    answers: {
      200: {
        description:
          'Without `format`: a page of results. With `format=json`: every result as one JSON array; with `format=csv`: as CSV (a header row, then one row per job)',
        content: {
          'application/json': { schema: z.union([resultPageSchema, z.array(resultExportRecordSchema)]) },
          'text/csv': { schema: { type: 'string' } },
        },
      },
    },
    handler: async ({ query: q }) => {
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
    },
  }),
];
