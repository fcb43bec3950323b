// The partners' webhook in the HTTP bench: a separate node:http process that accepts every
// delivery and counts it. `GET /count` answers { count, distinct, withoutId } (distinct
// `webhook-id`s, so redeliveries show). Reports its port to the parent over IPC.
import { createServer } from 'node:http';

let count = 0;
let withoutId = 0;
const ids = new Set<string>();

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ count, distinct: ids.size, withoutId }));
    return;
  }
  req.on('data', () => {});
  req.on('end', () => {
    count++;
    const id = req.headers['webhook-id'];
    if (typeof id === 'string') ids.add(id);
    else withoutId++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"accepted":true}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.send?.({ port });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('disconnect', () => process.exit(0));
