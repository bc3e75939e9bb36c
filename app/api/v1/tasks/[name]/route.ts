import { apiRoute, param } from '@/lib/http/api-route';
import { getTaskDto } from '@/lib/data/task-dto';

export const dynamic = 'force-dynamic';

export const GET = apiRoute<{ name: string }>(async (_req, p) => getTaskDto(param(p, 'name')));
