import { describe, expect, it } from 'vitest';
import { RoomDirectory } from './room-directory';

/** The books a console keeps of the rooms watched on the other consoles (no Redis: announcements are plain objects). */
function directory(local: Record<string, number> = {}) {
  const rooms = new Map(Object.entries(local).map(([room, n]) => [room, new Set(Array.from({ length: n }, (_, i) => `s${i}`))]));
  return { rooms, dir: new RoomDirectory({ id: 'me', local: () => rooms, expireMs: 1_000, url: 'http://me:1' }) };
}

describe('RoomDirectory', () => {
  it("announces this console's non-empty live rooms (not sockets' own rooms) and its URL", () => {
    const { dir } = directory({ dashboard: 2, 'queue:a': 0, 'job:a:1': 1, Xy12socketid: 1 });
    expect(dir.announcement()).toEqual({ console: 'me', rooms: ['dashboard', 'job:a:1'], url: 'http://me:1', seq: 1 });
    expect(dir.announcement().seq).toBe(2);
  });

  it("counts other consoles' rooms until their announcement expires; ignores its own and malformed ones", () => {
    const { dir } = directory({ dashboard: 1 });
    dir.take({ console: 'other', rooms: ['dashboard', 'queue:q', 'not-a-room'], url: 'http://other:2' }, 0);
    dir.take({ console: 'me', rooms: ['workers'] }, 0);
    dir.take('garbage', 0);
    dir.take({ console: 'x', rooms: 'dashboard' }, 0);
    expect(dir.size('dashboard', 500)).toBe(2);
    expect(dir.remoteHas('queue:q', 500)).toBe(true);
    expect(dir.remoteHas('workers', 500)).toBe(false);
    expect([...dir.rooms(500)].sort()).toEqual(['dashboard', 'queue:q']);
    expect(dir.peers(500)).toEqual(['http://other:2']);
    // Silent for longer than expireMs: a console that died.
    expect(dir.size('dashboard', 1_500)).toBe(1);
    expect(dir.remoteHas('queue:q', 1_500)).toBe(false);
    expect(dir.peers(1_500)).toEqual([]);
  });

  it('a console that says goodbye is forgotten at once; a new announcement replaces the last', () => {
    const { dir } = directory();
    dir.take({ console: 'other', rooms: ['queue:q'] }, 0);
    dir.take({ console: 'other', rooms: ['queue:r'] }, 10);
    expect([...dir.rooms(20)]).toEqual(['queue:r']);
    dir.forget('other');
    expect([...dir.rooms(20)]).toEqual([]);
  });

  it('an announcement that arrives after a newer one from the same console is ignored (a cluster may swap two)', () => {
    const { dir } = directory();
    dir.take({ console: 'other', rooms: ['dashboard', 'queue:q', 'job:q:1'], seq: 3 }, 0);
    dir.take({ console: 'other', rooms: ['dashboard'], seq: 1 }, 1);
    dir.take({ console: 'other', rooms: ['dashboard', 'queue:q'], seq: 2 }, 2);
    expect([...dir.rooms(5)].sort()).toEqual(['dashboard', 'job:q:1', 'queue:q']);
    dir.take({ console: 'other', rooms: ['queue:q'], seq: 4 }, 3);
    expect([...dir.rooms(5)]).toEqual(['queue:q']);
  });
});
