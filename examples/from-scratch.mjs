// A cluster built from scratch, followed live by a node proxy (README, "SDK in five lines").
// Run after `npm run build`: node examples/from-scratch.mjs
import { Cluster, createNodeProxy } from 'svcnet';

const cluster = new Cluster(); // default namespaces, kubernetes and kube-dns services
const web = cluster.applyService({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }, // ClusterIP allocated
});
const proxy = await createNodeProxy(cluster, { nodeName: 'node-1' }); // follows every later change
const packet = { source: '10.1.0.5', destination: web.spec.clusterIP, destinationPort: 80 };
cluster.on('EndpointSlice', (event) => console.log(event.type, event.object.metadata.name, JSON.stringify(proxy.route(packet))));

console.log(`web has ClusterIP ${web.spec.clusterIP}; no endpoints yet:`, JSON.stringify(proxy.route(packet)));
cluster.applyEndpointSlice({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { name: 'web-x7k2q', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4', endpoints: [{ addresses: ['10.1.0.9'], conditions: { ready: true } }], ports: [{ name: 'http', port: 8080 }],
});
cluster.deleteEndpointSlice('default', 'web-x7k2q');
