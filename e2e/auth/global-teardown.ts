import { stopKeptStack } from '../support/stack';

/** Stop the worker (it drains), the console and Redis; logs stay in test-results-auth/services/. */
export default async function globalTeardown(): Promise<void> {
  await stopKeptStack('auth');
}
