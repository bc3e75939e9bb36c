import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createNetwork, netnsUnavailable } from './hosts';

const run = promisify(execFile);
const unavailable = netnsUnavailable();

async function namespaces(): Promise<string[]> {
  return (await run('ip', ['netns', 'list'])).stdout
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter(Boolean);
}

/** The machine's own network interfaces, by name. */
async function rootLinks(): Promise<string[]> {
  return [...(await run('ip', ['-o', 'link', 'show'])).stdout.matchAll(/^\d+: ([^:@]+)/gm)].map((m) => m[1]!);
}

/** The test network itself: isolated from the machine's, hosts that reach each other, nothing left behind. */
describe.skipIf(unavailable)(`test network of namespaces${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('joins its hosts through a switch of its own, adds nothing to the root namespace, and deletes every namespace on close', async () => {
    const before = await rootLinks();
    const net = await createNetwork(['a', 'b']);
    try {
      expect(await rootLinks()).toEqual(before);
      const { a, b } = net.hosts;
      // A TCP connection from host a to a listener on host b, over the test network.
      const listener = spawn(
        ...launch(net.launcher('b'), ['node', '-e', `require('net').createServer((s) => s.end('hi')).listen(7000, '${b!.address}', () => console.log('up'))`]),
      );
      await new Promise((resolve) => listener.stdout!.once('data', resolve));
      const reply = await run(...launch(net.launcher('a'), ['node', '-e', connectScript(b!.address)]));
      expect(reply.stdout).toBe('hi');
      expect(a!.address).not.toBe(b!.address);
      listener.kill('SIGKILL');
    } finally {
      await net.close();
    }
    expect((await namespaces()).filter((ns) => ns.startsWith(`celns${process.pid}-`))).toEqual([]);
  });

  it('removes the namespaces of a run that died without cleaning up, killing what still ran in them', async () => {
    // A pid above the kernel's maximum (4194304) is never alive.
    const stale = `celns${4_194_305 + (process.pid % 1000)}-0-w1`;
    await run('ip', ['netns', 'add', stale]);
    const orphan = spawn('ip', ['netns', 'exec', stale, 'sleep', '300'], { stdio: 'ignore' });
    const orphanGone = new Promise((resolve) => orphan.once('exit', (_code, signal) => resolve(signal)));
    await waitUntilIn(stale, orphan.pid!);
    const net = await createNetwork(['x']);
    await net.close();
    expect(await namespaces()).not.toContain(stale);
    expect(await orphanGone).toBe('SIGKILL');
  });
});

/** `ip netns exec <ns> <cmd> <args…>` as spawn/execFile arguments. */
function launch(launcher: string[], cmd: string[]): [string, string[]] {
  const [first, ...rest] = [...launcher, ...cmd];
  return [first!, rest];
}

/** A Node one-liner that connects to port 7000 of `address` and prints what it reads (fails after 2 s). */
function connectScript(address: string): string {
  return `const s = require('net').connect(7000, '${address}'); s.setTimeout(2000, () => process.exit(3)); s.on('error', () => process.exit(2)); s.on('data', (d) => process.stdout.write(d));`;
}

/** Wait until `pid` shows up among the namespace's processes (ip netns exec has switched to it). */
async function waitUntilIn(ns: string, pid: number): Promise<void> {
  for (let i = 0; i < 250; i++) {
    const { stdout } = await run('ip', ['netns', 'pids', ns]);
    if (stdout.split(/\s+/).includes(String(pid))) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`process ${pid} never entered ${ns}`);
}
