// The cluster DNS in process: what a pod in `default` sends for a short name, an FQDN
// without the trailing dot, and an external name (ndots:5). Run after `npm run build`.
import { seedCluster, createClusterDns, resolve } from 'svcnet';

const cluster = seedCluster();
const dns = await createClusterDns(cluster); // follows the cluster from now on
for (const name of ['numbers-api', 'numbers-api.default.svc.cluster.local', 'example.com']) {
  const result = resolve(dns, name, { namespace: 'default', libc: 'musl' });
  const sent = result.queries.map((q) => `${q.name} ${q.rcode}`).join(', ');
  const addresses = result.answers.filter((r) => r.type === 'A').map((r) => r.address);
  console.log(`${name}: ${result.rcode} ${addresses.join(' ')} after ${result.queries.length} queries (${sent})`);
}
