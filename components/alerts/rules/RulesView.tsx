'use client';
import { useCallback, useEffect, useState } from 'react';
import Link from 'next/link';
import type { AlertRule } from '@/lib/alerts/rule-model';
import type { Reading } from '@/lib/alerts/rule-readings';
import { api, seg } from '../../api';
import { Button, ButtonLink } from '../../ui/Button';
import { Table, Td, Th } from '../../ui/Table';
import { ActionStatus, actionFailed, type ActionMessage } from '../../ui/ActionStatus';
import { formatDuration } from '../../ui/format';
import { Time } from '../../ui/Time';
import { useSession } from '../../auth/SessionProvider';
import { EnabledSwitch } from '../../schedules/EnabledSwitch';
import { ConfirmDialog } from '../../schedules/ConfirmDialog';
import { FiringBadge } from './FiringBadge';
import { KIND_LABELS, ruleCondition, ruleTarget } from './rule-fields';

/** A rule as GET /api/v1/alerts/rules lists it: with the evaluator's open incident. */
export type RuleRow = AlertRule & { incident: string | null; pendingSince: number | null };

type Readings = Record<string, Reading | { error: string }>;

/** Every rule's current value, read by the server the way the evaluator reads it. */
async function readAll(rules: RuleRow[]): Promise<Readings> {
  const entries = await Promise.all(
    rules.map(async (r) => {
      try {
        return [r.name, await api<Reading>(`/api/v1/alerts/rules/${seg(r.name)}/preview`)] as const;
      } catch (err) {
        return [r.name, { error: err instanceof Error ? err.message : 'No reading' }] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * The rules table: what each watches and when it fires, in words; its
 * channels, switch and source; its current value and whether it is firing.
 * Admins switch, edit and delete console rules; rules defined in code
 * (`defineAlert`) are read-only here because the worker writes them again
 * from the code when it starts (only their switch is kept).
 */
export function RulesView({ initial }: { initial: RuleRow[] }) {
  const { isAdmin } = useSession();
  const [rules, setRules] = useState(initial);
  const [readings, setReadings] = useState<Readings>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<ActionMessage | null>(null);
  const [deleting, setDeleting] = useState<RuleRow | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    const { rules: next } = await api<{ rules: RuleRow[] }>('/api/v1/alerts/rules');
    setRules(next);
    setReadings(await readAll(next));
  }, []);

  useEffect(() => {
    let live = true;
    void readAll(initial).then((r) => live && setReadings(r));
    return () => {
      live = false;
    };
  }, [initial]);

  async function toggle(rule: RuleRow, enabled: boolean) {
    setBusy(rule.name);
    try {
      await api(`/api/v1/alerts/rules/${seg(rule.name)}`, { method: 'PATCH', body: { enabled } });
      setMessage({ tone: 'ok', text: `Rule ${rule.name} ${enabled ? 'enabled' : 'disabled'}.` });
      await reload();
    } catch (err) {
      setMessage(actionFailed(err));
    } finally {
      setBusy(null);
    }
  }

  async function remove(rule: RuleRow) {
    setBusy(rule.name);
    setDeleteError(null);
    try {
      await api(`/api/v1/alerts/rules/${seg(rule.name)}`, { method: 'DELETE' });
      setDeleting(null);
      setMessage({ tone: 'ok', text: `Rule ${rule.name} deleted; its incidents stay in the history.` });
      await reload();
    } catch (err) {
      setDeleteError(err instanceof Error ? err.message : 'The rule could not be deleted');
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="space-y-3">
      <div className="flex items-center justify-between gap-3">
        <ActionStatus message={message} />
        <Button variant="secondary" onClick={() => void reload().catch((err) => setMessage(actionFailed(err)))}>
          Refresh values
        </Button>
      </div>
      {rules.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">
          No alert rule yet. {isAdmin ? 'Create one here, or with defineAlert next to your tasks.' : 'Admins create them here or in code (defineAlert).'}
        </p>
      ) : (
        <Table caption="Alert rules">
          <thead>
            <tr>
              <Th>Name</Th>
              <Th>Kind</Th>
              <Th>Target</Th>
              <Th>Condition</Th>
              <Th>Channels</Th>
              <Th>Enabled</Th>
              <Th>Source</Th>
              <Th>Current value</Th>
              <Th>State</Th>
              {isAdmin && <Th>Actions</Th>}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {rules.map((r) => {
              const reading = readings[r.name];
              return (
                <tr key={r.name}>
                  <Td className="font-medium">
                    {r.name}
                    {r.description && <p className="text-xs font-normal text-slate-600 dark:text-slate-400">{r.description}</p>}
                  </Td>
                  <Td>{KIND_LABELS[r.kind]}</Td>
                  <Td>{ruleTarget(r)}</Td>
                  <Td>{ruleCondition(r, formatDuration)}</Td>
                  <Td>{r.channels.length ? r.channels.join(', ') : <span className="text-slate-600 dark:text-slate-400">none</span>}</Td>
                  <Td>
                    {isAdmin ? (
                      <EnabledSwitch name={r.name} enabled={r.enabled} busy={busy === r.name} onToggle={(next) => void toggle(r, next)} />
                    ) : (
                      <span className="text-xs text-slate-600 dark:text-slate-400">{r.enabled ? 'On' : 'Off'}</span>
                    )}
                  </Td>
                  <Td>{r.source === 'code' ? 'code (defineAlert)' : 'console'}</Td>
                  <Td>
                    {!reading ? (
                      <span className="text-slate-600 dark:text-slate-400">Reading…</span>
                    ) : 'error' in reading ? (
                      <span className="text-rose-700 dark:text-rose-300">{reading.error}</span>
                    ) : (
                      reading.summary
                    )}
                  </Td>
                  <Td>
                    <RuleState rule={r} reading={reading && !('error' in reading) ? reading : undefined} />
                  </Td>
                  {isAdmin && (
                    <Td>
                      {r.source === 'code' ? (
                        <span className="block min-w-48 text-xs text-slate-600 dark:text-slate-400">
                          Defined in code: change it where defineAlert declares it (a worker rewrites it from the code when it starts).
                        </span>
                      ) : (
                        <span className="flex gap-2 whitespace-nowrap">
                          <ButtonLink variant="secondary" href={`/alerts/rules/${seg(r.name)}/edit`} aria-label={`Edit rule ${r.name}`}>
                            Edit
                          </ButtonLink>
                          <Button variant="danger" aria-label={`Delete rule ${r.name}`} onClick={() => setDeleting(r)} disabled={busy === r.name}>
                            Delete
                          </Button>
                        </span>
                      )}
                    </Td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </Table>
      )}
      {/* Admins only: a closed dialog's buttons are still in the page. */}
      {isAdmin && (
        <ConfirmDialog
          open={deleting !== null}
          title={`Delete rule ${deleting?.name ?? ''}?`}
          confirmLabel="Delete rule"
          busy={busy !== null}
          error={deleteError}
          onConfirm={() => deleting && void remove(deleting)}
          onCancel={() => {
            setDeleting(null);
            setDeleteError(null);
          }}
        >
          It stops being evaluated and notifies no one again. Its open incident, if any, is resolved without a notification; its past incidents stay in the
          history.
        </ConfirmDialog>
      )}
    </div>
  );
}

/** Firing (an incident is open), pending (the condition holds, waiting out `for`), or quiet. */
function RuleState({ rule, reading }: { rule: RuleRow; reading?: Reading }) {
  if (rule.incident)
    return (
      <Link href="/alerts" className="text-rose-700 hover:underline dark:text-rose-300">
        Firing: incident open
      </Link>
    );
  if (!rule.enabled) return <span className="text-slate-600 dark:text-slate-400">Disabled</span>;
  if (rule.pendingSince)
    return (
      <span className="text-amber-800 dark:text-amber-200">
        Pending since <Time ms={rule.pendingSince} />
      </span>
    );
  if (reading) return <FiringBadge firing={reading.firing} label={reading.firing ? 'Condition holds' : 'Not firing'} />;
  return null;
}
