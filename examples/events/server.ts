// `npm run example:events`: the example events subgraph on EVENTS_PORT (default 4201), loopback.
// Join it to the gateway with GATEWAY_SUBGRAPHS=events=http://127.0.0.1:4201/graphql.
import { createServer } from 'node:http';
import { createEventsSubgraph } from './subgraph.js';

const port = Number(process.env.EVENTS_PORT ?? 4201);
const host = process.env.EVENTS_HOST ?? '127.0.0.1';
const yoga = createEventsSubgraph();
const server = createServer(yoga);
server.listen(port, host, () => console.info(`Events subgraph at http://${host}:${port}${yoga.graphqlEndpoint}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
