// The API as `relay api` runs it, plus one bench-only knob: SNS signing certificates come
// from a local file instead of AWS, so signed SNS traffic can be measured on loopback.
import { readFile } from 'node:fs/promises';
import { startApiServer } from '../src/api/server.js';
import { loadConfig } from '../src/config.js';
import { createDb } from '../src/db/database.js';
import { createLogger } from '../src/observability/logger.js';
import { createMetrics } from '../src/observability/metrics.js';
import { connectClient } from '../src/temporal/connection.js';

const [certificateFile] = process.argv.slice(2);
const certificate = await readFile(certificateFile!, 'utf8');
const config = loadConfig();
const logger = createLogger({ level: config.logLevel });
const db = createDb(config.databaseUrl!);
const temporal = await connectClient({ ...config.temporal, address: config.temporal.address! });
const api = await startApiServer({ config, db, temporal, logger, metrics: createMetrics(), fetchSnsCertificate: async () => certificate });
process.once('SIGTERM', () => void api.close().then(() => process.exit(0)));
