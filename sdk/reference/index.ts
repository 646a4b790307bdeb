export { ReferenceDataPlane } from './dataplane.js';
export { NaiveMapDataPlane } from './naive.js';
