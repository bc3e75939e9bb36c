'use client';
import { useId, useMemo, useState } from 'react';
import { Button } from '../ui/Button';
import { Field, inputClass } from '../ui/Field';
import { cronTime, UNITS, WEEKDAYS, type TriggerFields } from './trigger-fields';
import { knownZones } from './zones';

const TYPES: { value: TriggerFields['type']; label: string; help: string }[] = [
  { value: 'interval', label: 'Interval', help: 'Every N seconds, minutes, hours or days.' },
  { value: 'cron', label: 'Cron', help: 'A cron expression in a time zone (follows daylight saving time).' },
  { value: 'once', label: 'One-off', help: 'Once, at a date and time.' },
];

/**
 * The trigger part of the schedule form: kind (interval / cron / one-off),
 * the kind's fields, the time zone (the browser's by default, said so), the
 * optional bounds, and presets. Errors arrive keyed `trigger.<field>`.
 */
export function TriggerEditor({
  fields: f,
  onChange,
  errors,
  browserZone,
}: {
  fields: TriggerFields;
  onChange: (patch: Partial<TriggerFields>) => void;
  errors: Record<string, string>;
  browserZone: string | null;
}) {
  const id = useId();
  const zones = useMemo(() => (browserZone ? knownZones() : []), [browserZone]);
  const [presetTime, setPresetTime] = useState('09:00');
  const [presetDay, setPresetDay] = useState(1);
  const err = (k: string) => errors[`trigger.${k}`];
  const general = errors['trigger.type'] ?? errors.trigger;
  const at = cronTime(presetTime);

  const presets: { label: string; apply: Partial<TriggerFields> | null }[] = [
    { label: 'Every 5 seconds', apply: { type: 'interval', every: '5', unit: 'seconds', anchor: '' } },
    { label: 'Every minute', apply: { type: 'cron', expression: '* * * * *' } },
    { label: 'Hourly', apply: { type: 'cron', expression: '0 * * * *' } },
    // Daily and weekly as cron, so they stay at the same wall-clock time across DST changes.
    { label: `Daily at ${presetTime || '…'}`, apply: at ? { type: 'cron', expression: `${at.minute} ${at.hour} * * *` } : null },
    {
      label: `Weekly on ${WEEKDAYS[presetDay]} at ${presetTime || '…'}`,
      apply: at ? { type: 'cron', expression: `${at.minute} ${at.hour} * * ${presetDay}` } : null,
    },
  ];

  return (
    <fieldset className="space-y-4">
      <legend className="mb-2 text-base font-semibold">Trigger</legend>

      <div role="group" aria-label="Presets" className="space-y-2 rounded-md border border-dashed border-slate-300 p-3 dark:border-slate-700">
        <p className="text-xs font-medium tracking-wide text-slate-500 dark:text-slate-400 uppercase">Presets</p>
        <div className="flex flex-wrap gap-2">
          {presets.map((p) => (
            <Button key={p.label} variant="secondary" disabled={!p.apply} onClick={() => p.apply && onChange(p.apply)}>
              {p.label}
            </Button>
          ))}
        </div>
        <div className="flex flex-wrap gap-4">
          <div className="space-y-1">
            <label htmlFor={`${id}-preset-time`} className="block text-xs font-medium">
              Preset time of day
            </label>
            <input id={`${id}-preset-time`} type="time" className={inputClass} value={presetTime} onChange={(e) => setPresetTime(e.target.value)} />
          </div>
          <div className="space-y-1">
            <label htmlFor={`${id}-preset-day`} className="block text-xs font-medium">
              Preset weekday
            </label>
            <select id={`${id}-preset-day`} className={inputClass} value={presetDay} onChange={(e) => setPresetDay(Number(e.target.value))}>
              {WEEKDAYS.map((d, i) => (
                <option key={d} value={i}>
                  {d}
                </option>
              ))}
            </select>
          </div>
        </div>
      </div>

      <fieldset>
        <legend className="text-sm font-medium">Trigger type</legend>
        <div className="mt-1 flex flex-wrap gap-x-6 gap-y-2">
          {TYPES.map((t) => (
            <label key={t.value} className="flex items-center gap-2 text-sm" title={t.help}>
              <input
                type="radio"
                name={`${id}-type`}
                value={t.value}
                checked={f.type === t.value}
                aria-invalid={general ? true : undefined}
                aria-describedby={general ? `${id}-type-error` : undefined}
                onChange={() => onChange({ type: t.value })}
              />
              {t.label}
            </label>
          ))}
        </div>
        <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">{TYPES.find((t) => t.value === f.type)?.help}</p>
        {general && (
          <p id={`${id}-type-error`} className="text-sm text-rose-700 dark:text-rose-300">
            {general}
          </p>
        )}
      </fieldset>

      {f.type === 'interval' && (
        <div className="grid gap-4 sm:grid-cols-3">
          <Field label="Every" required error={err('every')}>
            {(p) => <input {...p} inputMode="decimal" className={inputClass} value={f.every} onChange={(e) => onChange({ every: e.target.value })} />}
          </Field>
          <Field label="Unit" error={err('unit')}>
            {(p) => (
              <select {...p} className={inputClass} value={f.unit} onChange={(e) => onChange({ unit: e.target.value as TriggerFields['unit'] })}>
                {UNITS.map((u) => (
                  <option key={u} value={u}>
                    {u}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label="Starting at"
            help="Optional time of day the runs line up with (e.g. every 6 hours starting at 00:30; 00:00 for round times), in the time zone below. Without it, each schedule keeps its own fixed point in the period (within its first minute), so many schedules do not all fire at once."
            error={err('anchor')}
          >
            {(p) => <input {...p} type="time" className={inputClass} value={f.anchor} onChange={(e) => onChange({ anchor: e.target.value })} />}
          </Field>
        </div>
      )}

      {f.type === 'cron' && (
        <Field
          label="Cron expression"
          required
          help="5 fields: minute hour day-of-month month weekday (0 = Sunday), e.g. “3 17 * * 0”; or 6 with seconds first."
          error={err('expression')}
        >
          {(p) => (
            <input
              {...p}
              className={`${inputClass} font-mono`}
              value={f.expression}
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => onChange({ expression: e.target.value })}
            />
          )}
        </Field>
      )}

      {f.type === 'once' && (
        <Field label="Date and time" required help="When the task runs, in the time zone below." error={err('at')}>
          {(p) => <input {...p} type="datetime-local" step={1} className={inputClass} value={f.at} onChange={(e) => onChange({ at: e.target.value })} />}
        </Field>
      )}

      <Field
        label="Time zone"
        required={f.type !== 'interval'}
        help={
          browserZone
            ? `An IANA zone such as Europe/Paris. Your browser's zone is ${browserZone}${f.tz === browserZone ? ' (used here)' : ''}.`
            : 'An IANA zone such as Europe/Paris.'
        }
        error={err('tz')}
      >
        {(p) => (
          <>
            <input
              {...p}
              list={`${id}-zones`}
              className={inputClass}
              value={f.tz}
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => onChange({ tz: e.target.value })}
            />
            <datalist id={`${id}-zones`}>
              {zones.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </>
        )}
      </Field>

      {f.type !== 'once' && (
        <div className="grid gap-4 sm:grid-cols-3">
          <Field label="Start date" help="Optional: no run before this (in the time zone above)." error={err('startDate')}>
            {(p) => (
              <input
                {...p}
                type="datetime-local"
                step={1}
                className={inputClass}
                value={f.startDate}
                onChange={(e) => onChange({ startDate: e.target.value })}
              />
            )}
          </Field>
          <Field label="End date" help="Optional: no run after this." error={err('endDate')}>
            {(p) => (
              <input {...p} type="datetime-local" step={1} className={inputClass} value={f.endDate} onChange={(e) => onChange({ endDate: e.target.value })} />
            )}
          </Field>
          <Field label="Max runs" help="Optional: stop after this many runs." error={err('limit')}>
            {(p) => <input {...p} inputMode="numeric" className={inputClass} value={f.limit} onChange={(e) => onChange({ limit: e.target.value })} />}
          </Field>
        </div>
      )}
    </fieldset>
  );
}
