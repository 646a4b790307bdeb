// The DataPlane contract suite against both builds of the AssemblyScript core.
import { createWasmDataPlane } from '../../sdk/engine/core.js';
import { setDefaultCoreSource } from '../../sdk/engine/load.js';
import { nodeCoreSource } from '../../sdk/node/load-node.js';
import { describeDataPlane } from './dataplane.suite.js';

setDefaultCoreSource(nodeCoreSource);

describeDataPlane('wasm-debug', () => createWasmDataPlane({ target: 'debug' }));
describeDataPlane('wasm-release', () => createWasmDataPlane({ target: 'release' }));
