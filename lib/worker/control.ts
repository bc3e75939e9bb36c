import { z } from 'zod';

/**
 * Commands the console sends to workers over Redis pub/sub. The worker that
 * holds the job (or has the id) acts; the others ignore the message.
 */
export const controlMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('cancel'), queue: z.string(), jobId: z.string(), reason: z.string().default('cancelled') }),
]);
export type ControlMessage = z.infer<typeof controlMessageSchema>;
