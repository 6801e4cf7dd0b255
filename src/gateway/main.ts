// `npm run gateway`: the federation gateway on GATEWAY_PORT (default 4100), in front of this
// service (GATEWAY_SERVICE_URL) and the subgraphs named in GATEWAY_SUBGRAPHS or GATEWAY_CONFIG.
// README "Federation" and docs/federation.md describe it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRateLimitStore } from '../http/rate-limit.js';
import { log } from '../observability/log.js';
import { gatewayConfigFromEnv, type GatewayConfig } from './config.js';
import { createGateway } from './gateway.js';

let config: GatewayConfig;
try {
  config = gatewayConfigFromEnv(process.env);
} catch (error) {
  log.fatal((error as Error).message);
  process.exit(1);
}

// Rate limits are counted in Redis when REDIS_URL is set (shared by every gateway), else in memory.
const rateLimitStore = config.limits.rateLimit ? createRateLimitStore(process.env.REDIS_URL ?? '') : undefined;
const gateway = createGateway({ config, logger: log, rateLimitStore });
const server = createServer(gateway);

server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo;
  const subgraphs = [config.service, ...config.subgraphs].map((s) => `${s.name} at ${s.url}`).join(', ');
  log.info(`Federation gateway at http://${config.host}:${port}${gateway.graphqlEndpoint}${config.graphiql ? ' (and GraphiQL)' : ''}; subgraphs: ${subgraphs}`);
});

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  await gateway.dispose();
  await rateLimitStore?.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
