'use client';
import { useCanWrite } from './SessionProvider';

/** Render `children` only for callers who may change state (server pages use it around action links). */
export function IfCanWrite({ children, fallback = null }: { children: React.ReactNode; fallback?: React.ReactNode }) {
  return <>{useCanWrite() ? children : fallback}</>;
}
