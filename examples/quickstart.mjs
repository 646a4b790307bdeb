// The README's SDK example as a runnable file: `npm run build && node examples/quickstart.mjs`.
import { seedCluster, createNodeProxy } from 'svcnet';

const cluster = seedCluster(); // kiamol ch. 3 on Docker Desktop
const proxy = await createNodeProxy(cluster, { nodeName: 'docker-desktop' });
console.log(proxy.route({ source: '10.1.0.42', destination: '10.103.155.91', destinationPort: 80 }));
