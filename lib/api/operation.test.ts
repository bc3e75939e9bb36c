import { describe, expect, it } from 'vitest';
import { defineOperation, jsonAnswer } from './operation';

/**
 * The audit entry is part of a definition: `npx tsc --noEmit` (npm run lint)
 * refuses a write operation that does not say how it is audited, and a read
 * that says it (each `@ts-expect-error` below fails the check once the error
 * it expects is gone).
 */
describe('defineOperation: the audit rule', () => {
  const base = { path: '/api/v1/things/{id}', summary: 's', tag: 't', access: 'write', answers: { 200: jsonAnswer('ok') }, handler: async () => ({}) } as const;

  it('is required of a write operation and refused on a read', () => {
    // @ts-expect-error a write operation without `audit` does not compile
    defineOperation({ ...base, method: 'post' });
    // @ts-expect-error nor does a deletion
    defineOperation({ ...base, method: 'delete' });
    // @ts-expect-error a read has no audit entry
    defineOperation({ ...base, method: 'get', access: 'read', audit: { action: 'thing.read', target: () => '' } });
    const write = defineOperation({ ...base, method: 'patch', audit: { action: 'thing.update', target: ({ params }) => params.id! } });
    expect(write.audit && write.audit.target({ params: { id: '7' }, actor: 'a' })).toBe('7');
    expect(defineOperation({ ...base, method: 'post', audit: false }).audit).toBe(false);
    expect(defineOperation({ ...base, method: 'get', access: 'read' }).audit).toBeUndefined();
  });
});
