import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** performance.now() when the request had been read in full. */
  receivedAt: number;
}

export type Responder = (request: RecordedRequest, res: ServerResponse) => void;

/**
 * A loopback HTTP server that records every request and answers with a responder the
 * test can swap at any time: the base of the fakes that play SES, sibling products and
 * partner endpoints.
 */
export class RecordingServer {
  readonly requests: RecordedRequest[] = [];
  private server: Server | undefined;

  constructor(public respond: Responder) {}

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Listens on loopback, on `port` when given (a port another process was told about), else any free one. */
  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          receivedAt: performance.now(),
        };
        this.requests.push(request);
        this.respond(request, res);
      });
    });
    await new Promise<void>((listening) => this.server!.listen(port, '127.0.0.1', () => listening()));
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }
}
