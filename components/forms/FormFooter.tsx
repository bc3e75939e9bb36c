import Link from 'next/link';
import { Button } from '../ui/Button';

/** The end of a create/edit form: the form-wide error (an alert), then Save (or Create …) and Cancel. */
export function FormFooter({
  error,
  busy,
  mode,
  createLabel,
  cancelHref,
}: {
  error: string | null;
  busy: boolean;
  mode: 'create' | 'edit';
  createLabel: string;
  cancelHref: string;
}) {
  return (
    <>
      {error && (
        <p role="alert" className="text-sm font-medium text-rose-700 dark:text-rose-300">
          {error}
        </p>
      )}
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={busy}>
          {busy ? 'Saving…' : mode === 'edit' ? 'Save changes' : createLabel}
        </Button>
        <Link href={cancelHref} className="text-sm text-indigo-700 hover:underline dark:text-indigo-300">
          Cancel
        </Link>
      </div>
    </>
  );
}
