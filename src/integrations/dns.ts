import { Resolver } from 'node:dns/promises';

/** DNS lookups Relay makes to see what an organization published; injected so tests answer from a fake. */
export interface DnsResolver {
  /** The TXT records at `name`, each record's strings joined; none when the name or the records do not exist. */
  txt(name: string): Promise<string[]>;
}

// The name does not exist, or has no records of the type: an answer, not a failure.
const NO_RECORDS = new Set(['ENOTFOUND', 'ENODATA']);

export function createDnsResolver(options: { timeoutMs?: number } = {}): DnsResolver {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 5000, tries: 2 });
  return {
    async txt(name) {
      try {
        return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
      } catch (error) {
        if (NO_RECORDS.has((error as NodeJS.ErrnoException).code ?? '')) return [];
        throw error;
      }
    },
  };
}
