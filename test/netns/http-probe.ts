import { createInterface } from 'node:readline';

/**
 * A browser-like HTTP client on a host of the test network, for the test
 * process, which stays in the machine's own namespace and so cannot reach the
 * test network itself. It reads one request a line on stdin as JSON
 * `{ id, method, url, body? }` and writes `{ id, status, text }` (or
 * `{ id, error }`) a line on stdout. Plain fetch: no Origin header, as a
 * script's call (the CSRF check lets such calls through, as it does curl's).
 */
interface ProbeRequest {
  id: number;
  method: string;
  url: string;
  body?: unknown;
}

async function answer(req: ProbeRequest): Promise<object> {
  try {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.body === undefined ? {} : { 'content-type': 'application/json' },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal: AbortSignal.timeout(10_000),
    });
    return { id: req.id, status: res.status, text: await res.text() };
  } catch (err) {
    return { id: req.id, error: (err as Error).message };
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  void answer(JSON.parse(line) as ProbeRequest).then((out) => process.stdout.write(`${JSON.stringify(out)}\n`));
});
process.stdout.write('PROBE_READY\n');
