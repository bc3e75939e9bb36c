'use client';
import { useCallback, useState } from 'react';
import type { ChannelDTO } from '@/lib/alerts/channel-model';
import type { ChannelHealth } from '@/lib/alerts/channel-store';
import type { Delivery } from '@/lib/alerts/deliveries';
import { api, seg } from '../../api';
import { Button, ButtonLink } from '../../ui/Button';
import { Table, Td, Th } from '../../ui/Table';
import { Time } from '../../ui/Time';
import { ActionStatus, actionFailed, type ActionMessage } from '../../ui/ActionStatus';
import { useSession } from '../../auth/SessionProvider';
import { ConfirmDialog } from '../../schedules/ConfirmDialog';
import { TYPE_LABELS } from './channel-fields';
import { ChannelHealthBadge } from './ChannelHealthBadge';
import { DeliveriesTable } from './DeliveriesTable';

/** A channel as the page shows it: the API's DTO (no secret), its last outcome and its recent deliveries. */
export type ChannelRow = ChannelDTO & { health: ChannelHealth | null; deliveries: Delivery[] };

/** Recent deliveries shown per channel. */
export const DELIVERIES_SHOWN = 10;

async function readRows(): Promise<ChannelRow[]> {
  const { channels } = await api<{ channels: (ChannelDTO & { health: ChannelHealth | null })[] }>('/api/v1/alerts/channels');
  return Promise.all(
    channels.map(async (c) => {
      const { deliveries } = await api<{ deliveries: Delivery[] }>(`/api/v1/alerts/deliveries?channel=${seg(c.id)}&limit=${DELIVERIES_SHOWN}`);
      return { ...c, deliveries };
    }),
  );
}

/**
 * The channels: where each sends (never a secret), whether its last delivery
 * or test arrived, the last error, and its recent deliveries. Admins send a
 * test (the answer is announced in a live region), edit and delete.
 */
export function ChannelsView({ initial }: { initial: ChannelRow[] }) {
  const { isAdmin } = useSession();
  const [rows, setRows] = useState(initial);
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<ActionMessage | null>(null);
  const [deleting, setDeleting] = useState<ChannelRow | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);

  const reload = useCallback(async () => setRows(await readRows()), []);

  async function sendTest(c: ChannelRow) {
    setBusy(c.id);
    setMessage({ tone: 'ok', text: `Sending a test through ${c.id}…` });
    try {
      const r = await api<{ delivered: boolean; error: string | null; ms: number }>(`/api/v1/alerts/channels/${seg(c.id)}/test`, { method: 'POST' });
      setMessage(
        r.delivered
          ? { tone: 'ok', text: `Test through ${c.id} delivered in ${r.ms} ms.` }
          : { tone: 'error', text: `Test through ${c.id} failed: ${r.error}` },
      );
      await reload();
    } catch (err) {
      setMessage(actionFailed(err));
    } finally {
      setBusy(null);
    }
  }

  async function remove(c: ChannelRow) {
    setBusy(c.id);
    setDeleteError(null);
    try {
      await api(`/api/v1/alerts/channels/${seg(c.id)}`, { method: 'DELETE' });
      setDeleting(null);
      setMessage({ tone: 'ok', text: `Channel ${c.id} deleted.` });
      await reload();
    } catch (err) {
      // 409 names the rules that still send to it.
      setDeleteError(err instanceof Error ? err.message : 'The channel could not be deleted');
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="space-y-6">
      <div className="flex items-center justify-between gap-3">
        <ActionStatus message={message} />
        <Button variant="secondary" onClick={() => void reload().catch((err) => setMessage(actionFailed(err)))}>
          Refresh
        </Button>
      </div>
      {rows.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">No channel yet: rules open incidents but notify no one.</p>
      ) : (
        <Table caption="Alert channels">
          <thead>
            <tr>
              <Th>Id</Th>
              <Th>Kind</Th>
              <Th>Sends to</Th>
              <Th>Status</Th>
              <Th>Last delivery</Th>
              <Th numeric>Attempts</Th>
              <Th>Last error</Th>
              {isAdmin && <Th>Actions</Th>}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {rows.map((c) => {
              const last = c.deliveries[0];
              return (
                <tr key={c.id}>
                  <Td className="font-medium">
                    {c.id}
                    {c.name !== c.id && <p className="text-xs font-normal text-slate-600 dark:text-slate-400">{c.name}</p>}
                  </Td>
                  <Td>{TYPE_LABELS[c.type]}</Td>
                  <Td className="break-all">
                    {c.target}
                    {c.type === 'webhook' && <p className="text-xs text-slate-600 dark:text-slate-400">{c.secretSet ? 'signed' : 'not signed'}</p>}
                  </Td>
                  <Td>
                    <ChannelHealthBadge health={c.health} />
                  </Td>
                  <Td>{last ? <Time ms={last.updatedAt} /> : c.health ? <Time ms={c.health.at} /> : 'none yet'}</Td>
                  <Td numeric>{last ? last.attempts : '—'}</Td>
                  <Td className="text-rose-700 dark:text-rose-300">{c.health?.lastError ?? last?.lastError ?? ''}</Td>
                  {isAdmin && (
                    <Td className="whitespace-nowrap">
                      <span className="flex gap-2">
                        <Button variant="secondary" aria-label={`Send test through ${c.id}`} disabled={busy === c.id} onClick={() => void sendTest(c)}>
                          Send test
                        </Button>
                        <ButtonLink variant="secondary" href={`/alerts/channels/${seg(c.id)}/edit`} aria-label={`Edit channel ${c.id}`}>
                          Edit
                        </ButtonLink>
                        <Button variant="danger" aria-label={`Delete channel ${c.id}`} disabled={busy === c.id} onClick={() => setDeleting(c)}>
                          Delete
                        </Button>
                      </span>
                    </Td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </Table>
      )}
      {rows.map((c) => (
        <DeliveriesTable key={c.id} channel={c.id} deliveries={c.deliveries} />
      ))}
      {/* Admins only: a closed dialog's buttons are still in the page. */}
      {isAdmin && (
        <ConfirmDialog
          open={deleting !== null}
          title={`Delete channel ${deleting?.id ?? ''}?`}
          confirmLabel="Delete channel"
          busy={busy !== null}
          error={deleteError}
          onConfirm={() => deleting && void remove(deleting)}
          onCancel={() => {
            setDeleting(null);
            setDeleteError(null);
          }}
        >
          Nothing more is sent through it. A channel that a rule still uses cannot be deleted: remove it from those rules first.
        </ConfirmDialog>
      )}
    </div>
  );
}
