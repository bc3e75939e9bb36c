import { z } from 'zod';
import { inputClass } from './Field';

/** The page sizes a paged list offers (the queue's jobs, the workflow runs). */
export const PAGE_SIZES = [10, 25, 50, 100] as const;

/** A page size from the query string: one of PAGE_SIZES, else 25 (a malformed link gives a page, not an error). */
export const pageSizeSchema = z.coerce
  .number()
  .refine((n) => (PAGE_SIZES as readonly number[]).includes(n))
  .catch(25);

/** The page-size select of a list's filter form (a GET form: its `size` field). */
export function PageSizeField({ size }: { size: number }) {
  return (
    <div>
      <label htmlFor="page-size" className="block text-sm font-medium">
        Page size
      </label>
      <select id="page-size" name="size" defaultValue={String(size)} className={inputClass}>
        {PAGE_SIZES.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </div>
  );
}
