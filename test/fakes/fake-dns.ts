import type { DnsResolver } from '../../src/integrations/dns.js';

/** DNS as the test publishes it: TXT records by name, nothing anywhere else; every lookup is recorded. */
export class FakeDns implements DnsResolver {
  readonly records = new Map<string, string[]>();
  readonly lookups: string[] = [];

  publishTxt(name: string, value: string): void {
    this.records.set(name.toLowerCase(), [...(this.records.get(name.toLowerCase()) ?? []), value]);
  }

  async txt(name: string): Promise<string[]> {
    this.lookups.push(name);
    return this.records.get(name.toLowerCase()) ?? [];
  }
}
