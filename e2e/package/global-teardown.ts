import { stopPackageWorld } from './global-setup';

/** Stop the apps' workers (they drain) and consoles, then Redis; remove the temp dir. Logs stay in test-results/package-services/. */
export default async function globalTeardown(): Promise<void> {
  await stopPackageWorld();
}
