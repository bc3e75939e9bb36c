import { describe, expect, it } from 'vitest';
import { FramePacer } from './frame-pacer';

/** The pacing rules on their own, with explicit times (no clock, no Redis). */
describe('FramePacer', () => {
  it('lets a quiet room send at once, then holds it for the gap; an urgent frame skips the gap', () => {
    const p = new FramePacer(110, 9);
    expect(p.may('r', 1000)).toBe(true);
    p.record('r', 1000);
    expect(p.quiet('r', 1050)).toBe(false);
    expect(p.may('r', 1050)).toBe(false);
    expect(p.may('r', 1050, true)).toBe(true);
    expect(p.may('other', 1050)).toBe(true); // rooms are paced apart
    expect(p.may('r', 1110)).toBe(true);
  });

  it('never allows more than perSecond frames in a second, urgent ones included; a frame to all counts for every room', () => {
    const p = new FramePacer(110, 9);
    for (let t = 0; t < 9; t++) p.record('r', t * 10);
    expect(p.may('r', 500, true)).toBe(false);
    expect(p.may('r', 1000, true)).toBe(true); // the first frame (t = 0) is a second old
    const q = new FramePacer(110, 9);
    q.record(null, 0);
    expect(q.may('any', 50)).toBe(false);
    expect(q.may('any', 110)).toBe(true);
  });

  it('forgets rooms whose last frame is over a second old', () => {
    const p = new FramePacer(110, 2);
    p.record('r', 0);
    p.record('r', 200);
    expect(p.may('r', 900, true)).toBe(false);
    p.prune(1300);
    expect(p.may('r', 1300, true)).toBe(true);
  });

  it('counts a frame for when it left (retime), not when it was chosen', () => {
    const p = new FramePacer(110, 2);
    p.record('r', 0);
    p.record('r', 10);
    p.retime('r', 0, 500); // the first frame's read took 500 ms
    expect(p.may('r', 1005, true)).toBe(false); // a second after the first was chosen, not after it left
    expect(p.may('r', 1500, true)).toBe(true);
  });
});
