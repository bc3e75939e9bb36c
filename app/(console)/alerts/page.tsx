import { z } from 'zod';
import { load } from '@/lib/data/load';
import { listIncidentRows } from '@/lib/data/incident-dto';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { IncidentsView } from '@/components/alerts/incidents/IncidentsView';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Alerts' };

/** `?page=` of the past incidents (from 0); anything else is the first page. */
const pageSchema = z.coerce.number().int().min(0).max(500).catch(0);

export default async function AlertsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const page = pageSchema.parse((await searchParams).page ?? 0);
  const res = await load(() => listIncidentRows(page));
  return (
    <>
      <PageHeader
        title="Incidents"
        description="A rule that fires opens an incident: notified once, reminded after its cooldown while open, notified again when it resolves."
      />
      {res.ok ? <IncidentsView data={res.data} serverNow={Date.now()} /> : <Unavailable />}
    </>
  );
}
