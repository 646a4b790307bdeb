// kube-proxy for one node of the seed's cluster, packet by packet (the README's second SDK
// example): `npm run build && node examples/kube-proxy.mjs`.
import { seedCluster, createKubeProxy } from 'svcnet';

const cluster = seedCluster(); // kiamol ch. 3 on Docker Desktop
const proxy = await createKubeProxy(cluster, { nodeName: 'docker-desktop', configuration: { mode: 'nftables', clusterCIDR: '10.1.0.0/16' } });
console.log(proxy.route({ source: '10.1.0.42', sourcePort: 43512, destination: '10.103.155.91', destinationPort: 80 }));
