import { useId } from 'react';

/**
 * One term and its value inside a `<dl>`. The value (`dd`) is named by its
 * term, so it can be found by name (assistive tech, the e2e specs'
 * `getByRole('definition', { name })`) without wrapping the pair in a role:
 * a `dl` may only hold `dt`/`dd` groups and plain `div`s around them.
 * `note` is a second, unnamed `dd` under the value.
 */
export function Fact({
  label,
  children,
  className,
  termClassName,
  valueClassName,
  note,
  noteClassName,
}: {
  label: React.ReactNode;
  children: React.ReactNode;
  /** The wrapping div (`contents` keeps the pair in the list's grid). */
  className?: string;
  termClassName?: string;
  valueClassName?: string;
  note?: React.ReactNode;
  noteClassName?: string;
}) {
  const id = useId();
  return (
    <div className={className}>
      <dt id={id} className={termClassName}>
        {label}
      </dt>
      <dd aria-labelledby={id} className={valueClassName}>
        {children}
      </dd>
      {note && <dd className={noteClassName}>{note}</dd>}
    </div>
  );
}
