import { z } from 'zod';
import { apiRoute, json, readJson } from '@/lib/http/api-route';
import { createSchedule } from '@/lib/scheduler/schedule-service';
import { listScheduleDtos } from '@/lib/data/schedule-dto';

export const dynamic = 'force-dynamic';

/** Every schedule (with state, next run, last run) and the orphan schedulers. */
export const GET = apiRoute(async () => listScheduleDtos());

/** Create a schedule → 201 with its definition; 400 with the field; 409 when the name is taken. */
export const POST = apiRoute(async (req) => json(await createSchedule(await readJson(req, z.unknown())), 201));
