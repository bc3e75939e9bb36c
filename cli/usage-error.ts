/**
 * Bad input on the command line: a missing file, a module without tasks, an
 * unknown flag. The CLI prints its message on one line and exits with code 2
 * before anything is started.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit code for bad input, as with Unix tools and Celery. */
export const USAGE_EXIT_CODE = 2;
