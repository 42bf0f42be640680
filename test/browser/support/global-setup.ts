import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { portsBelowEphemeralRange } from '../../support/free-port.js';

/**
 * Starts the real stack (support/stack-process.ts) once for the run and hands its addresses
 * to the test workers through the environment; the returned function stops it.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  // The helpdesk tests post customers' mail with this token and answer SMS, WhatsApp, Messenger and Slack replies on these ports.
  process.env.POSTMARK_INBOUND_TOKEN = randomBytes(12).toString('hex');
  // Below the ephemeral range: no connection of the run takes them before a test listens on them.
  const [twilioPort, graphPort, slackPort] = await portsBelowEphemeralRange(3);
  process.env.TWILIO_FAKE_PORT = String(twilioPort);
  process.env.GRAPH_FAKE_PORT = String(graphPort);
  process.env.SLACK_FAKE_PORT = String(slackPort);
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'stack-process.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      TWILIO_API_URL: `http://127.0.0.1:${process.env.TWILIO_FAKE_PORT}`,
      META_GRAPH_API_URL: `http://127.0.0.1:${process.env.GRAPH_FAKE_PORT}`,
      SLACK_API_URL: `http://127.0.0.1:${process.env.SLACK_FAKE_PORT}`,
    },
  });
  const ready = await new Promise<Record<string, string>>((resolveReady, fail) => {
    const timer = setTimeout(() => fail(new Error('the stack did not start within 5 minutes')), 300_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^RELAY_BROWSER_STACK (.*)$/.exec(line);
      if (!match) return void process.stdout.write(`${line}\n`);
      clearTimeout(timer);
      resolveReady(JSON.parse(match[1]!) as Record<string, string>);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the stack exited (code ${code}) before it was ready`));
    });
  });
  process.env.RELAY_URL = ready.apiUrl;
  process.env.DEV_HUB_URL = ready.hubUrl;
  process.env.DEV_HUB_SECRET = ready.hubSecret;
  process.env.DATABASE_URL = ready.databaseUrl;
  process.env.RELAY_ADMIN_KEY = ready.adminKey;
  process.env.SES_URL = ready.sesUrl;

  return async () => {
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  };
}
