import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

// Runs before each test file's imports: the file talks to the run's private
// Redis under a prefix no other file uses, so files never see each other's keys.
process.env.REDIS_URL = inject('redisUrl');
process.env.CELERITY_PREFIX = `t${randomBytes(5).toString('hex')}`;
process.env.CELERITY_LOG_LEVEL ??= 'warn';
