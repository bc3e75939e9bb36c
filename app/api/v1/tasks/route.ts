import { apiRoute } from '@/lib/http/api-route';
import { listTaskDtos } from '@/lib/data/task-dto';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(async () => ({ tasks: await listTaskDtos() }));
