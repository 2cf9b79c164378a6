import { parseArgs } from 'node:util';
import { startSimulator } from './simulator.js';

/** `npm run simulator [-- --port 9000 --latency 50-150 --unknown-uin omit]` */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9000' },
    host: { type: 'string', default: '127.0.0.1' },
    latency: { type: 'string', default: '0' },
    'unknown-uin': { type: 'string', default: 'fail-call' },
  },
});

const [min, max] = values.latency.split('-').map(Number);
const mode = values['unknown-uin'];
if (mode !== 'fail-call' && mode !== 'omit') throw new Error(`--unknown-uin must be fail-call or omit, got ${mode}`);
const simulator = await startSimulator({
  port: Number(values.port),
  host: values.host,
  latencyMs: max === undefined ? (min ?? 0) : [min ?? 0, max],
  unknownUinMode: mode,
});
console.log(`Partner API simulator listening on ${simulator.url}`);
console.log(`  TENCENTCLOUD_ENDPOINT=${simulator.url}`);
console.log(`  TENCENTCLOUD_SECRET_ID=${simulator.credentials.secretId}`);
console.log(`  TENCENTCLOUD_SECRET_KEY=${simulator.credentials.secretKey}`);
console.log(`  demo customers: ${simulator.data.customerUins.length}, e.g. ${simulator.data.customerUins.slice(0, 3).join(', ')}`);
const stop = () => void simulator.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
