import { runOnHost, type HostProcess } from './ns-process';

export interface HttpAnswer {
  status: number;
  text: string;
  /** The body parsed as JSON (throws when it is not JSON). */
  json<T = unknown>(): T;
}

export interface HttpClient {
  request(method: string, url: string, body?: unknown): Promise<HttpAnswer>;
  get<T>(url: string): Promise<T>;
  close(): Promise<void>;
}

/** A line of test/netns/http-probe.ts's output. */
interface ProbeAnswer {
  id: number;
  status?: number;
  text?: string;
  error?: string;
}

/**
 * An HTTP client on a host of the test network (test/netns/http-probe.ts run
 * there): its requests travel over that network, as a browser's on that host would.
 */
export async function startHttpClient(launcher: readonly string[]): Promise<HttpClient> {
  const probe: HostProcess = runOnHost(launcher, 'test/netns/http-probe.ts', [], {});
  await probe.waitForOutput(/PROBE_READY/);
  const pending = new Map<number, (line: ProbeAnswer) => void>();
  let buffered = '';
  probe.child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines.filter((l) => l.startsWith('{'))) {
      const msg = JSON.parse(line) as ProbeAnswer;
      pending.get(msg.id)?.(msg);
      pending.delete(msg.id);
    }
  });
  let next = 0;
  const request = (method: string, url: string, body?: unknown) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      const id = next++;
      pending.set(id, (msg) => {
        if (msg.error !== undefined) return reject(new Error(`${method} ${url}: ${msg.error}`));
        const text = msg.text ?? '';
        resolve({ status: msg.status!, text, json: <T>() => JSON.parse(text) as T });
      });
      probe.child.stdin!.write(`${JSON.stringify({ id, method, url, body })}\n`);
    });
  return {
    request,
    async get<T>(url: string) {
      const res = await request('GET', url);
      if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${res.text}`);
      return res.json<T>();
    },
    close: () => probe.stop(2000),
  };
}
