import type { AuditEntry } from '@/lib/auth/audit-log';
import { Table, Td, Th } from '../ui/Table';
import { Time } from '../ui/Time';

/** One page of audit entries as a table (every value rendered as text: targets and paths come from requests). */
export function AuditTable({ caption, entries }: { caption: string; entries: AuditEntry[] }) {
  return (
    <Table caption={caption}>
      <thead>
        <tr>
          <Th>Time</Th>
          <Th>Who</Th>
          <Th>Action</Th>
          <Th>Target</Th>
          <Th>Result</Th>
          <Th>From</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
        {entries.map((e) => (
          <tr key={e.id}>
            <Td className="whitespace-nowrap">
              <Time ms={e.at} />
            </Td>
            <Td className="break-all">{e.actor}</Td>
            <Td className="font-mono text-xs break-all">{e.action}</Td>
            <Td className="break-all">{e.target}</Td>
            <Td>
              {e.status < 400 ? (
                <span>{e.status}</span>
              ) : (
                <span className="text-rose-700 dark:text-rose-300">
                  {e.status}
                  {e.error ? `: ${e.error}` : ''}
                </span>
              )}
            </Td>
            <Td className="font-mono text-xs">{e.ip}</Td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
