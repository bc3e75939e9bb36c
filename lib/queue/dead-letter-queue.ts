/** The dead-letter queue of a task (`:` is not allowed in queue names: it becomes `_`). No BullMQ here: `celerity` exports it. */
export const deadLetterQueue = (task: string): string => `${task.replaceAll(':', '_')}.dlq`;
