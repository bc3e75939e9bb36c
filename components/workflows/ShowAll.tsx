'use client';
import { useState } from 'react';
import { Button } from '../ui/Button';

/** Rows a long list of steps shows at first: a 1,000-step run's table and timeline stay light until asked for. */
export const FIRST_ROWS = 100;

/** The first FIRST_ROWS items, and a button to show them all (nothing when there are no more). */
export function useFirstRows<T>(items: T[], what: string): { shown: T[]; more: React.ReactNode } {
  const [all, setAll] = useState(false);
  if (all || items.length <= FIRST_ROWS) return { shown: items, more: null };
  return {
    shown: items.slice(0, FIRST_ROWS),
    more: (
      <Button variant="secondary" onClick={() => setAll(true)}>
        Show all {items.length} {what} ({items.length - FIRST_ROWS} more)
      </Button>
    ),
  };
}
