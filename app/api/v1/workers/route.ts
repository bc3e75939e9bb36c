import { apiRoute } from '@/lib/http/api-route';
import { listWorkerDtos } from '@/lib/data/worker-dto';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(async () => listWorkerDtos());
