import { apiRoute, param } from '@/lib/http/api-route';
import { getJobDto } from '@/lib/data/job-dto';

export const dynamic = 'force-dynamic';

export const GET = apiRoute<{ queue: string; id: string }>(async (_req, p) => getJobDto(param(p, 'queue'), param(p, 'id')));
