import { consoleBasePath } from '../env';

/**
 * The `Path` of the console's cookies: its base path (CELERITY_BASE_PATH), so
 * that other applications behind the same host never receive them; `/` at the root.
 */
export function cookiePath(): string {
  return consoleBasePath() || '/';
}
