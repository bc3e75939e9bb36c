'use client';
import { useCallback, useEffect, useState } from 'react';
import { NewestRead, type Offered } from './newest-read';

/**
 * {@link NewestRead} as React state: the server's render is offered as it comes (`initial`, stamped
 * `initialAt`: when its reads began), the rest (frames, API reads) through `offer`.
 */
export function useNewestRead<T>(initial: T, initialAt: number): [T, (at: number, next: (shown: T) => T) => Offered<T>] {
  const [read] = useState(() => new NewestRead(initial, initialAt));
  const [value, setValue] = useState(initial);
  const offer = useCallback(
    (at: number, next: (shown: T) => T): Offered<T> => {
      const done = read.offer(at, next);
      if (done) setValue(done.after);
      return done;
    },
    [read],
  );
  useEffect(() => {
    offer(initialAt, () => initial);
  }, [initial, initialAt, offer]);
  return [value, offer];
}
