import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, startRedisServer, type RunningRedis } from '../scripts/redis-server';

let redis: RunningRedis | undefined;
let dir: string | undefined;

/** Start a private redis-server for the whole test run: never 6379, never one we did not start. */
export async function setup(project: TestProject): Promise<void> {
  dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-test-redis-'));
  redis = await startRedisServer({ port: await freePort(), dir, appendonly: false });
  project.provide('redisUrl', redis.url);
  project.provide('redisPort', redis.port);
}

export async function teardown(): Promise<void> {
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    redisPort: number;
  }
}
