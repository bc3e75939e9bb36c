import { Notice } from './Notice';

/** What a page shows while Redis cannot be reached. The live indicator says when it is back. */
export function Unavailable() {
  return (
    <Notice tone="error" title="Redis unavailable">
      The console cannot reach Redis right now. This page will show data again once Redis is back — reload it then.
    </Notice>
  );
}
