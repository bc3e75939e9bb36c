import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildIfStale } from '../scripts/build-if-stale';
import { benchDistDir, ROOT, startTs, type Child } from './support';

/**
 * The console of an earlier commit, measured side by side with today's in the
 * same bench run (`npm run bench -- queues --baseline <ref>`, or
 * BENCH_BASELINE=<ref>): a git worktree of that commit under .scratch/
 * (ignored by git; main's working tree is not touched), today's installed
 * packages, and its own production build. The worktree is kept for the next
 * run, so its build is reused; `git worktree remove --force <dir>` drops it.
 */
export interface Baseline {
  /** As given: `725f6ff`, a tag, `HEAD~3`. */
  ref: string;
  /** Its commit, abbreviated. */
  sha: string;
  /** The worktree; its server.ts runs with this as the working directory. */
  dir: string;
}

const git = (args: string[], cwd = ROOT) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

/** How a section names the baseline: the ref as given, and its commit when that differs. */
export const baselineName = (b: Baseline) => (b.ref === b.sha ? b.sha : `${b.ref} = ${b.sha}`);

/** `--baseline <ref>` / `--baseline=<ref>` (already parsed by run.ts), else BENCH_BASELINE, else none. */
export function baselineRef(flag: string | undefined): string | undefined {
  const ref = (flag ?? process.env.BENCH_BASELINE ?? '').trim();
  return ref || undefined;
}

/** Check out, equip and build the baseline (each step skipped when already done). */
export async function prepareBaseline(ref: string): Promise<Baseline> {
  const sha = git(['rev-parse', '--verify', '--short', `${ref}^{commit}`]);
  const dir = path.join(ROOT, '.scratch', `bench-baseline-${sha}`);
  ensureWorktree(dir, sha);
  assertSameDependencies(sha);
  copyPackages(dir);
  console.log(`[bench] baseline ${ref} (${sha}) in ${path.relative(ROOT, dir)}: building when stale…`);
  // Today's build helper, run on the baseline's tree: `next build` there, into the same NEXT_DIST_DIR under its root.
  benchDistDir();
  await buildIfStale(dir);
  return { ref, sha, dir };
}

function ensureWorktree(dir: string, sha: string): void {
  // Forgets worktrees whose directory was deleted by hand, so `add` can recreate this one.
  git(['worktree', 'prune']);
  if (existsSync(path.join(dir, '.git'))) {
    const at = git(['rev-parse', '--short', 'HEAD'], dir);
    if (at !== sha) throw new Error(`${dir} is at ${at}, not ${sha}: remove it (git worktree remove --force ${dir}) and run again`);
    return;
  }
  git(['worktree', 'add', '--detach', dir, sha]);
}

type LockPackages = Record<string, { version?: string }>;

const lockPackages = (json: string): LockPackages => (JSON.parse(json) as { packages: LockPackages }).packages;

/**
 * Today's node_modules serve the baseline only if they resolve every import of
 * the baseline the way its own lockfile would: each package it locks is
 * installed at the same path and version, and no package added since sits
 * inside one of them (a nested copy would shadow the one it resolved).
 */
function assertSameDependencies(sha: string): void {
  const then = lockPackages(git(['show', `${sha}:package-lock.json`]));
  const now = lockPackages(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  const differing = Object.entries(then)
    .filter(([p, v]) => p !== '' && now[p]?.version !== v.version)
    .map(([p, v]) => `${p} ${v.version} → ${now[p]?.version ?? 'missing'}`);
  const shadowing = Object.keys(now).filter((p) => !(p in then) && Object.keys(then).some((q) => q !== '' && p.startsWith(`${q}/node_modules/`)));
  const problems = [...differing, ...shadowing.map((p) => `${p} added inside a package the baseline uses`)];
  if (problems.length) {
    throw new Error(`The baseline's dependencies are not a subset of today's node_modules (npm ci in its worktree instead):\n  ${problems.join('\n  ')}`);
  }
}

/**
 * Today's node_modules as a hard-linked copy (`cp -al`: no file data copied,
 * well under a second). Not a symlink: Turbopack refuses a node_modules that
 * links outside the project's root ("Could not find the Next.js package").
 */
function copyPackages(dir: string): void {
  if (existsSync(path.join(dir, 'node_modules', 'next', 'package.json'))) return;
  execFileSync('cp', ['-al', path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules')]);
}

/** The baseline's server.ts, started as today's is (same env), in its worktree. */
export function startBaselineConsole(b: Baseline, env: Record<string, string>): Child {
  return startTs('server.ts', env, /CELERITY_READY/, [], b.dir);
}
