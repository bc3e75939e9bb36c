'use client';
import { useSyncExternalStore } from 'react';
import { browserZone } from './zones';

const noSubscription = () => () => {};

/**
 * The viewer's time zone, or null while rendering on the server and hydrating
 * (the server cannot know it): times in the viewer's zone appear once the page
 * is live, without a hydration mismatch.
 */
export function useViewerZone(): string | null {
  return useSyncExternalStore(noSubscription, browserZone, () => null);
}
