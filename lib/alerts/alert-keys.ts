import { celerityKeys } from '../keys';

/**
 * The alerts' Redis keys. All on the deployment's hash slot (lib/keys.ts), so
 * the evaluator's one script per transition touches them together on a Cluster too.
 */
export function alertKeys() {
  const k = celerityKeys().alert;
  return {
    /** Hash: rule name → rule JSON. */
    rules: k('rules'),
    /** Hash: channel id → channel JSON (secrets included: never returned by the API). */
    channels: k('channels'),
    /** Hash: `<rule>` → the evaluator's state JSON, `<rule>:rev` → its revision (compare-and-set). */
    state: k('state'),
    /** Hash per incident: its fields (status, times, who acknowledged…). */
    incident: (id: string) => k(`incident:${id}`),
    /** List per incident: its timeline, JSON entries oldest first. */
    timeline: (id: string) => k(`timeline:${id}`),
    /** Sorted set: incident id → opened at (ms). */
    incidents: k('incidents'),
    /** Hash: delivery id → delivery JSON. */
    deliveries: k('deliveries'),
    /** Sorted set: delivery id → when to (re)try it (ms); a claimed one is pushed forward. */
    due: k('deliveries-due'),
    /** Sorted set: delivery id → created at (ms), to list recent deliveries and trim old ones. */
    deliveryIndex: k('deliveries-index'),
    /** Hash: channel id → JSON of its last delivery's outcome (to show a failing channel). */
    channelHealth: k('channel-health'),
    /** The evaluator's leader lease. */
    lease: celerityKeys().lock('alerts'),
  };
}
