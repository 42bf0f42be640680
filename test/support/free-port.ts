import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Listens on `port` (0: any) on loopback and lets go at once: the port it got, or null when it is taken. */
function probe(port: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(null) : reject(error)));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A TCP port on loopback that nothing listens on right now. */
export async function freePort(): Promise<number> {
  const port = await probe(0);
  if (port === null) throw new Error('no free port');
  return port;
}

/** Where the kernel starts choosing ports for port-0 listeners and outgoing connections (Linux's default when unreadable). */
function ephemeralRangeStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * `count` distinct free loopback ports below the kernel's ephemeral range, for ports named
 * now and listened on much later by another process (the browser tests' provider fakes, one
 * per test). A port from freePort could be taken meanwhile as the local port of an outgoing
 * connection, or by a port-0 listener; the kernel hands out neither below that range.
 */
export async function portsBelowEphemeralRange(count: number): Promise<number[]> {
  const end = ephemeralRangeStart();
  const start = Math.min(10_000, end - 1_000);
  const ports = new Set<number>();
  for (let tries = 0; tries < 100 * count && ports.size < count; tries += 1) {
    const candidate = start + Math.floor(Math.random() * (end - start));
    if (!ports.has(candidate) && (await probe(candidate)) !== null) ports.add(candidate);
  }
  if (ports.size < count) throw new Error(`fewer than ${count} free ports between ${start} and ${end}`);
  return [...ports];
}
