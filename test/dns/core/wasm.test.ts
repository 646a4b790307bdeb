// The DnsPlane contract suite against both builds of the AssemblyScript core.
import { createWasmDnsPlane } from '../../../sdk/engine/dnscore.js';
import { setDefaultCoreSource } from '../../../sdk/engine/load.js';
import { nodeCoreSource } from '../../../sdk/node/load-node.js';
import { describeDnsPlane } from '../dnsplane.suite.js';

setDefaultCoreSource(nodeCoreSource);

describeDnsPlane('wasm-debug', () => createWasmDnsPlane({ target: 'debug' }));
describeDnsPlane('wasm-release', () => createWasmDnsPlane({ target: 'release' }));
