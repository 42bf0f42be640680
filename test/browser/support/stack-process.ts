// The browser tests' server side, run as its own process (node --import tsx): exactly what
// `relay dev` starts (embedded PostgreSQL, Temporal dev server, SES emulator, development
// Hub, worker, API, the built dashboard), on free loopback ports with a throwaway state
// directory. Prints one line `RELAY_BROWSER_STACK {json}` when ready; SIGTERM stops it.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startDevStack } from '../../../src/cli/dev.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/observability/logger.js';
import { generateEncryptionKey } from '../../../src/security/encryption.js';
import { freePort } from '../../support/free-port.js';

const projectDir = resolve(import.meta.dirname, '../../..');
const stateDir = await mkdtemp(join(tmpdir(), 'relay-browser-'));
// As root, PostgreSQL runs as its own user, which must be able to reach its data directory.
await chmod(stateDir, 0o755);
const [api, postgres, temporal, ses, hub] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
const adminKey = randomBytes(24).toString('hex');
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  PORT: String(api),
  PUBLIC_URL: `http://127.0.0.1:${api}`,
  RELAY_ENCRYPTION_KEY: generateEncryptionKey(),
  // Tests register RelayIt partners the way operators do, through the admin API.
  RELAY_ADMIN_KEY: adminKey,
  // The Emails page links each email's workflow here (the test Temporal server runs without its UI).
  TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
  // The tests' webhook receiver listens on loopback over http.
  RELAY_ALLOW_INSECURE_WEBHOOKS: 'true',
  // Customers' mail arrives through Postmark's webhook; SMS, WhatsApp, Messenger and Slack replies go to the tests' fakes.
  POSTMARK_INBOUND_TOKEN: process.env.POSTMARK_INBOUND_TOKEN ?? '',
  TWILIO_API_URL: process.env.TWILIO_API_URL ?? 'https://api.twilio.com',
  META_GRAPH_API_URL: process.env.META_GRAPH_API_URL ?? 'https://graph.facebook.com/v23.0',
  SLACK_API_URL: process.env.SLACK_API_URL ?? 'https://slack.com/api',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});
const logger = createLogger({ level: config.logLevel });
const say = (line: string) => process.stderr.write(`${line}\n`);

const stack = await startDevStack(config, logger, {
  projectDir,
  toolEnv: process.env,
  stateDir,
  ports: { postgres, temporal, ses, hub },
  say,
  // Domains verify through the SES identity stand-in; their DMARC lookup stays off the network too (none published).
  dns: { txt: async () => [] },
}).catch(async (error: unknown) => {
  await rm(stateDir, { recursive: true, force: true });
  throw error;
});

const stop = async () => {
  await stack.stop();
  await rm(stateDir, { recursive: true, force: true });
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

process.stdout.write(
  `RELAY_BROWSER_STACK ${JSON.stringify({ apiUrl: stack.api.url, hubUrl: stack.hub!.url, hubSecret: stack.hub!.ssoSecret, databaseUrl: stack.databaseUrl, adminKey, sesUrl: stack.sesViewer })}\n`,
);
