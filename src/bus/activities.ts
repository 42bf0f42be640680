import type { BusClient, BusEvent } from '../integrations/bus.js';
import type { Logger } from '../observability/logger.js';

export interface BusActivityDeps {
  /** Undefined when the Bus is not configured: events are dropped, as the seed says. */
  bus: BusClient | undefined;
  logger: Logger;
}

export function createBusActivities({ bus, logger }: BusActivityDeps) {
  return {
    /** Posts one event to the Bus. Its id is stable, so a retry is a duplicate the Bus drops. */
    async publishBusEvent(event: BusEvent): Promise<{ published: boolean }> {
      if (!bus) return { published: false };
      await bus.publish(event);
      logger.info({ orgId: event.org_id, eventId: event.id, type: event.type }, 'bus event published');
      return { published: true };
    },
  };
}

export type BusActivities = ReturnType<typeof createBusActivities>;
