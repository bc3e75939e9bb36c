import { apiRoute } from '@/lib/http/api-route';
import { openApiDocument } from '@/lib/http/openapi';

export const dynamic = 'force-dynamic';

/** The OpenAPI 3.1 document of /api/v1, generated from the zod schemas the routes use. */
export const GET = apiRoute(async () => openApiDocument());
