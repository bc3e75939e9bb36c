import { apiRoute, param } from '@/lib/http/api-route';
import { jobDownloadQuerySchema } from '@/lib/http/request-schemas';
import { parseOrThrow } from '@/lib/validation';
import { readJobPart } from '@/lib/queue/job-download';
import { attachment } from '@/lib/http/attachment';

export const dynamic = 'force-dynamic';

/** The whole of a job's arguments, result, error, stack trace, progress, options, one log line (`part=log&line=N`) or the whole job, as a file. */
export const GET = apiRoute<{ queue: string; id: string }>(async (req, p) => {
  const q = parseOrThrow(jobDownloadQuerySchema, Object.fromEntries(new URL(req.url).searchParams));
  const d = await readJobPart(param(p, 'queue'), param(p, 'id'), q.part, q.line);
  return new Response(new Uint8Array(d.body), {
    headers: {
      'content-type': d.contentType,
      'content-length': String(d.body.length),
      'content-disposition': attachment(d.filename),
      'cache-control': 'no-store',
    },
  });
});
