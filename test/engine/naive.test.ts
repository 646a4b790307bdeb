import { NaiveMapDataPlane } from '../../sdk/reference/index.js';
import { describeDataPlane } from './dataplane.suite.js';

describeDataPlane('naive-map', () => new NaiveMapDataPlane());
