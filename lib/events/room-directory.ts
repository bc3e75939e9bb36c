/**
 * Which live rooms have members on any console. With several consoles, one of
 * them (the relay's leader) builds the frames for every console's clients, so
 * it must know what the others' clients watch: each console announces the set
 * of its non-empty rooms when it changes and every few seconds; an entry not
 * renewed in time (a console that died) is dropped. The announcements travel
 * as Socket.IO server-side events (the adapter's pub/sub), wired in
 * socket-rooms.ts; this class only keeps the books.
 */

/** A console's announcement: all its rooms with at least one member. */
export interface RoomAnnouncement {
  console: string;
  rooms: string[];
  /** The console's public URL (where a page can go when its own console stops). */
  url?: string;
  /**
   * The announcement's number, rising with each one a console sends. Announcements sent a moment apart can
   * arrive swapped (seen on a 3-master cluster: the last of three sent within 4 ms arrived first), and an older
   * set of rooms taken last would hide a room from the leader until the next announcement, 5 s later.
   */
  seq?: number;
}

export interface RoomDirectoryOptions {
  /** This console's id (its own announcements are ignored when they come back). */
  id: string;
  /** This console's rooms and their member counts (Socket.IO's local adapter rooms; socket-id rooms are skipped). */
  local(): Map<string, Set<string>>;
  /** How long another console's announcement counts without renewal. */
  expireMs?: number;
  /** This console's public URL, announced with its rooms. */
  url?: string;
}

export class RoomDirectory {
  private readonly remote = new Map<string, { rooms: Set<string>; at: number; url?: string; seq?: number }>();
  private readonly expireMs: number;
  private seq = 0;

  constructor(private readonly opts: RoomDirectoryOptions) {
    this.expireMs = opts.expireMs ?? 12_000;
  }

  /** This console's announcement: its non-empty contract rooms. */
  announcement(): RoomAnnouncement {
    const rooms: string[] = [];
    for (const [room, members] of this.opts.local()) if (members.size > 0 && isLiveRoom(room)) rooms.push(room);
    return { console: this.opts.id, rooms, ...(this.opts.url ? { url: this.opts.url } : {}), seq: ++this.seq };
  }

  /** Take another console's announcement (unparseable ones are ignored: they come from the network). */
  take(raw: unknown, now = Date.now()): void {
    if (!raw || typeof raw !== 'object') return;
    const { console: id, rooms, url, seq } = raw as Partial<RoomAnnouncement>;
    if (typeof id !== 'string' || id === this.opts.id || !Array.isArray(rooms)) return;
    const known = this.remote.get(id)?.seq;
    if (typeof seq === 'number' && known !== undefined && seq <= known) return; // an older one that arrived late
    const entry = {
      rooms: new Set(rooms.filter((r): r is string => typeof r === 'string' && isLiveRoom(r))),
      at: now,
      ...(typeof seq === 'number' ? { seq } : {}),
    };
    this.remote.set(id, typeof url === 'string' && /^https?:\/\/[^/]+/.test(url) ? { ...entry, url } : entry);
  }

  /** A console that stopped: its rooms no longer count. */
  forget(id: string): void {
    this.remote.delete(id);
  }

  /** Members here plus one per other console that has the room (only "> 0" matters to the relay). */
  size(room: string, now = Date.now()): number {
    let n = this.opts.local().get(room)?.size ?? 0;
    for (const entry of this.fresh(now)) if (entry.has(room)) n++;
    return n;
  }

  /** Whether another console has members in the room (else a frame for it need not leave this console). */
  remoteHas(room: string, now = Date.now()): boolean {
    for (const entry of this.fresh(now)) if (entry.has(room)) return true;
    return false;
  }

  /** Every room with a member on some console. */
  rooms(now = Date.now()): Set<string> {
    const out = new Set<string>();
    for (const [room, members] of this.opts.local()) if (members.size > 0 && isLiveRoom(room)) out.add(room);
    for (const entry of this.fresh(now)) for (const r of entry) out.add(r);
    return out;
  }

  /** The public URLs of the other consoles heard from lately (sorted, without this console's own). */
  peers(now = Date.now()): string[] {
    const urls = new Set<string>();
    for (const entry of this.freshEntries(now)) if (entry.url && entry.url !== this.opts.url) urls.add(entry.url);
    return [...urls].sort();
  }

  private *fresh(now: number): Iterable<Set<string>> {
    for (const entry of this.freshEntries(now)) yield entry.rooms;
  }

  private *freshEntries(now: number): Iterable<{ rooms: Set<string>; url?: string }> {
    for (const [id, entry] of this.remote) {
      if (now - entry.at > this.expireMs) this.remote.delete(id);
      else yield entry;
    }
  }
}

/**
 * A room of the live contract, not a socket's own room (named after its id, which has no colon).
 * A prefix test, not the contract's schema: it runs for every room on every look-up; joins were checked already.
 */
export function isLiveRoom(room: string): boolean {
  return room === 'dashboard' || room === 'workers' || room.startsWith('queue:') || room.startsWith('job:');
}
