import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import { getRedis, closeRedis } from '../redis';
import { env } from '../env';
import { closeQueues } from '../queue/queue-registry';
import { csvCell, csvRow, exportResults, EXPORT_COLUMNS } from './results-export';
import { seedFinished } from '../../test/seed-finished';
import { uniqueName } from '../../test/helpers';

const QUEUE = uniqueName('export');
const ROWS = 10_000;
// ~2 KB of arguments per job: the whole CSV is ~20 MB, far more than the memory the export may use.
const PAD = 'p'.repeat(2000);

beforeAll(async () => {
  await seedFinished(getRedis(), {
    prefix: env().CELERITY_PREFIX,
    queue: QUEUE,
    state: 'completed',
    count: ROWS,
    finishedBase: 1_700_000_000_000,
    name: 'exported',
    pad: PAD,
  });
});

afterAll(async () => {
  await closeQueues();
  await closeRedis();
});

/** A full garbage collection, so heap sizes measure what is still held, not garbage not yet collected. */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Parse CSV (RFC 4180) — only to check what the export wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('CSV cells', () => {
  it('quotes commas, quotes and line breaks, and defuses formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rlf')).toBe('"cr\rlf"');
    expect(csvCell('=1+2')).toBe("'=1+2");
    expect(csvCell('+SUM(A1)')).toBe("'+SUM(A1)");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@cmd')).toBe("'@cmd");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell(null)).toBe('');
    expect(csvCell(42)).toBe('42');
    expect(csvRow(['a', 'b,c', null])).toBe('a,"b,c",\r\n');
    // What a CSV reader gets back is the text (with the formula guard).
    expect(parseCsv(csvRow(['x,"y"\nz', '=evil()', 'ok']))).toEqual([['x,"y"\nz', "'=evil()", 'ok']]);
  });
});

describe('exportResults', () => {
  it('streams 10,000 rows as CSV, reading Redis only as the reader asks, with flat memory', async () => {
    let batches = 0;
    const stream = exportResults({ queues: [QUEUE], states: ['completed'] }, 'csv', { onBatch: () => batches++ });
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    // Nothing is read from Redis before the first pull, and one batch at most is read ahead.
    expect(batches).toBe(0);
    let rows = 0;
    let bytes = 0;
    let tail = '';
    let header: string | null = null;
    let first: string[] | null = null;
    gc();
    const heapStart = process.memoryUsage().heapUsed;
    let heapPeak = heapStart;
    for (let reads = 0; ; reads++) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      const text = tail + decoder.decode(value, { stream: true });
      const lines = text.split('\r\n');
      tail = lines.pop()!;
      for (const line of lines) {
        if (header === null) header = line;
        else {
          rows++;
          first ??= parseCsv(line + '\r\n')[0]!;
        }
      }
      // Pull-driven: the export is never more than a read or two ahead of its reader.
      expect(batches).toBeLessThanOrEqual(reads + 1);
      if (reads % 5 === 0) {
        gc();
        heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      }
    }
    expect(tail).toBe('');
    expect(header).toBe(EXPORT_COLUMNS.join(','));
    expect(rows).toBe(ROWS);
    expect(bytes).toBeGreaterThan(ROWS * 2000);
    expect(batches).toBeGreaterThanOrEqual(ROWS / 400);
    // Newest first; the arguments' JSON (quotes doubled) comes back whole.
    expect(first!.slice(0, 4)).toEqual([QUEUE, `j${ROWS}`, 'exported', 'completed']);
    expect(JSON.parse(first![9]!)).toEqual({ i: ROWS, pad: PAD });
    // Flat: what the export holds at any time is a batch or two (~1–2 MB), not the 20+ MB that went through it.
    expect(heapPeak - heapStart).toBeLessThan(5 * 1024 * 1024);
    expect(bytes).toBeGreaterThan(4 * 5 * 1024 * 1024);
  });

  it('streams valid JSON and stops reading when the reader cancels', async () => {
    const chunks: string[] = [];
    const stream = exportResults({ queues: [QUEUE], states: ['completed'], from: 1_700_000_000_000 + ROWS - 9 }, 'json');
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(new TextDecoder().decode(value));
    }
    const parsed = JSON.parse(chunks.join('')) as { id: string; args: string; finished_at: string }[];
    expect(parsed.map((r) => r.id)).toEqual(Array.from({ length: 10 }, (_, i) => `j${ROWS - i}`));
    expect(parsed[0]!.finished_at).toBe(new Date(1_700_000_000_000 + ROWS).toISOString());

    let batches = 0;
    const big = exportResults({ queues: [QUEUE], states: ['completed'] }, 'csv', { onBatch: () => batches++ }).getReader();
    await big.read();
    await big.read();
    await big.cancel();
    const after = batches;
    await new Promise((r) => setTimeout(r, 50));
    expect(batches).toBe(after);
    expect(batches).toBeLessThan(5);
  });

  it('exports an empty result set as a header, or an empty array', async () => {
    const read = async (s: ReadableStream<Uint8Array>) => new Response(s).text();
    expect(await read(exportResults({ queues: [QUEUE], states: ['failed'] }, 'csv'))).toBe(EXPORT_COLUMNS.join(',') + '\r\n');
    expect(JSON.parse(await read(exportResults({ queues: [QUEUE], states: ['failed'] }, 'json')))).toEqual([]);
  });
});
