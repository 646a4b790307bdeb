import { ReferenceDataPlane } from '../../sdk/reference/index.js';
import { describeDataPlane } from './dataplane.suite.js';

describeDataPlane('reference', () => new ReferenceDataPlane());
