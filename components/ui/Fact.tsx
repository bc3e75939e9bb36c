import { useId } from 'react';

/**
 * One named value: a group named by its term, holding a one-entry `<dl>`.
 * Found by name (assistive tech, the e2e specs' `getByRole('group', { name })
 * .getByRole('definition')`). The group sits around the list, not inside it:
 * a `dl` may only hold `dt`/`dd` groups and plain `div`s, and a `dd` may not
 * be named itself (ARIA prohibits naming the definition role).
 * `note` is a second `dd` under the value.
 */
export function Fact({
  label,
  children,
  className,
  listClassName,
  termClassName,
  valueClassName,
  note,
  noteClassName,
}: {
  label: React.ReactNode;
  children: React.ReactNode;
  /** The group (`contents` keeps the term and value in the parent's grid). */
  className?: string;
  listClassName?: string;
  termClassName?: string;
  valueClassName?: string;
  note?: React.ReactNode;
  noteClassName?: string;
}) {
  const id = useId();
  return (
    <div role="group" aria-labelledby={id} className={className}>
      <dl className={listClassName}>
        <dt id={id} className={termClassName}>
          {label}
        </dt>
        <dd className={valueClassName}>{children}</dd>
        {note && <dd className={noteClassName}>{note}</dd>}
      </dl>
    </div>
  );
}
