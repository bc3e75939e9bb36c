import { stopKeptStack } from '../support/stack';

/** Stop the worker, both consoles and Redis (e2e/basepath/global-setup.ts). */
export default async function globalTeardown(): Promise<void> {
  await stopKeptStack('basepath');
}
