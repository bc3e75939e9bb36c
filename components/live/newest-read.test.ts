import { describe, expect, it } from 'vitest';
import { NewestRead } from './newest-read';

describe('NewestRead', () => {
  it('keeps a frame over a server read that began before the frame’s reads ended, and takes a later one', () => {
    // Rendered from reads begun at 100; a frame whose reads ended at 150.
    const r = new NewestRead({ waiting: 1 }, 100);
    expect(r.offer(150, () => ({ waiting: 3 }))).toEqual({ before: { waiting: 1 }, after: { waiting: 3 } });
    // A table refresh whose reads began at 120 (before the frame's ended), delivered now: dropped.
    expect(r.offer(120, () => ({ waiting: 2 }))).toBeUndefined();
    expect(r.shown).toEqual({ waiting: 3 });
    // One whose reads began after the frame's ended: shown.
    expect(r.offer(160, () => ({ waiting: 4 }))?.after).toEqual({ waiting: 4 });
    // A frame whose reads ended before that render's began (delivered late): dropped.
    expect(r.offer(155, () => ({ waiting: 9 }))).toBeUndefined();
    expect(r.shown).toEqual({ waiting: 4 });
  });

  it('hands the shown value to `next` (a frame merged into it), and takes a read stamped as the shown one', () => {
    const r = new NewestRead({ waiting: 1, active: 2 }, 100);
    expect(r.offer(100, (shown) => ({ ...shown, active: 0 }))?.after).toEqual({ waiting: 1, active: 0 });
    expect(r.shown).toEqual({ waiting: 1, active: 0 });
  });
});
