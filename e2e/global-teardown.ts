import { stopServices } from './global-setup';

/** Stop the worker (SIGTERM, it drains), the console, Redis; remove the temp dir. Logs stay in test-results/. */
export default async function globalTeardown(): Promise<void> {
  await stopServices();
}
