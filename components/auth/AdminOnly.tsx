import { Notice } from '../ui/Notice';

/** What a viewer (or a token) sees on an admin page: no data was read for it. */
export function AdminOnly() {
  return (
    <Notice tone="error" title="Admins only">
      This page is for admins. Ask an admin if you need access.
    </Notice>
  );
}
