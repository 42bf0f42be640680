import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sesEmulatorModule from 'aws-ses-v2-local';

type StartEmulator = (config?: { host?: string; port?: number }) => Promise<Server>;

export interface SesEmulator {
  /** The SES API endpoint, also the viewer (open it in a browser). */
  url: string;
  stop(): Promise<void>;
}

/** The `aws-ses-v2-local` SES v2 emulator on loopback: the real SDK talks to it, a person reads its mail. */
export async function startSesEmulator(options: { port: number }): Promise<SesEmulator> {
  const imported = sesEmulatorModule as unknown as StartEmulator | { default: StartEmulator };
  const start = typeof imported === 'function' ? imported : imported.default;
  const server = await start({ host: '127.0.0.1', port: options.port });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise((done) => server.close(() => done())),
  };
}
