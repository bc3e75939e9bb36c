import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Hosts for multi-host tests: one network namespace per host, each joined by a
 * veth pair to a bridge that lives in a namespace of its own (the "switch"), so
 * nothing is added to the machine's own network and traffic flows only between
 * the namespaces made here. Every run names its namespaces `celns<pid>-<n>-…`;
 * a run that died without cleaning up is cleaned by the next one.
 */

/** Names of this harness's namespaces: the run's process id says whether the run is still alive. */
const NAME = /^celns(\d+)-\d+-[a-z0-9]+$/;
const SUBNET = '10.77.0';
/** Namespaces this process made and has not removed yet. */
const ours = new Set<string>();
/** The host's side of its link, inside its namespace (names are per namespace, so every host has its own `eth0`). */
export const HOST_DEV = 'eth0';

export interface Host {
  /** What the test calls it: `redis`, `w1`… */
  name: string;
  /** Its network namespace. */
  ns: string;
  /** Its IP address on the test network. */
  address: string;
}

export interface Network {
  hosts: Record<string, Host>;
  /** The command line prefix that runs a program on a host. */
  launcher(host: string): string[];
  /** Cut a host off the network (its link down): a partition, its processes keep running. */
  cut(host: string): Promise<void>;
  /** Kill whatever still runs on the hosts and delete every namespace made (also when a test failed). */
  close(): Promise<void>;
}

/** Why these tests cannot run here, or undefined when they can (root and iproute2 with netns support). */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root (run the tests as root, as CI does)';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return 'the `ip` command (iproute2) with netns support is not available';
  }
  return undefined;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kill what runs in a namespace and delete it. Only ever called on namespaces named by this harness. */
async function removeNamespace(ns: string): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'pids', ns]).catch(() => ({ stdout: '' }));
  for (const pid of stdout.split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  // A namespace lives on while a process is in it: deleting it unlinks the name, and the kernel frees it once they are gone.
  await ip('netns', 'del', ns).catch(() => {});
  ours.delete(ns);
}

/** Namespaces of runs whose process is gone (killed before their cleanup ran), also one that had this process's id. */
async function removeStaleNamespaces(): Promise<void> {
  const { stdout } = await run('ip', ['netns', 'list']);
  const names = stdout.split('\n').map((line) => line.split(' ')[0]!);
  for (const ns of names) {
    const m = NAME.exec(ns);
    if (!m || ours.has(ns)) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || !alive(pid)) await removeNamespace(ns);
  }
}

let runs = 0;

/** One host's namespace, `lo` up, linked to the switch's bridge, with its address. */
async function addHost(sw: string, prefix: string, name: string, index: number): Promise<Host> {
  const ns = `${prefix}-${name}`;
  ours.add(ns);
  const address = `${SUBNET}.${10 + index}`;
  const port = `p${index}`;
  await ip('netns', 'add', ns);
  await ip('-n', ns, 'link', 'set', 'lo', 'up');
  // Made inside the switch, its peer moved straight into the host: neither end ever appears in the root namespace.
  await ip('-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', HOST_DEV, 'netns', ns);
  await ip('-n', sw, 'link', 'set', port, 'master', 'br0');
  await ip('-n', sw, 'link', 'set', port, 'up');
  await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', HOST_DEV);
  await ip('-n', ns, 'link', 'set', HOST_DEV, 'up');
  return { name, ns, address };
}

/**
 * Hosts named `names` on one private network (10.77.0.0/24, addresses from .10
 * in the order given). Private to this run: another run's network has its own
 * switch, so the same addresses do not meet.
 */
export async function createNetwork(names: readonly string[]): Promise<Network> {
  await removeStaleNamespaces();
  const prefix = `celns${process.pid}-${runs++}`;
  const made: string[] = [];
  const close = async () => {
    for (const ns of made.reverse()) await removeNamespace(ns);
  };
  try {
    const sw = `${prefix}-switch`;
    ours.add(sw);
    made.push(sw);
    await ip('netns', 'add', sw);
    await ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', sw, 'link', 'set', 'br0', 'up');
    const hosts: Record<string, Host> = {};
    for (const [i, name] of names.entries()) {
      made.push(`${prefix}-${name}`);
      hosts[name] = await addHost(sw, prefix, name, i);
    }
    const hostOf = (name: string) => hosts[name] ?? failUnknown(name);
    return {
      hosts,
      launcher: (name) => ['ip', 'netns', 'exec', hostOf(name).ns],
      cut: (name) => ip('-n', hostOf(name).ns, 'link', 'set', HOST_DEV, 'down'),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

function failUnknown(name: string): never {
  throw new Error(`no host named ${name} on this test network`);
}
