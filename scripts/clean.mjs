// Removes build outputs named on the command line (so a build never ships stale modules).
import { rmSync } from 'node:fs';

for (const path of process.argv.slice(2)) rmSync(path, { recursive: true, force: true });
