import { stopKeptStack } from './support/stack';

/** Stop the worker (SIGTERM, it drains), the console, Redis; remove the temp dir. Logs stay in test-results/. */
export default async function globalTeardown(): Promise<void> {
  await stopKeptStack('main');
}
