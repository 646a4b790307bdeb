// Copies the built cores next to the compiled SDK (dist/core.wasm, dist/core.debug.wasm).
import { copyFile, mkdir } from 'node:fs/promises';

await mkdir('dist', { recursive: true });
for (const file of ['core.wasm', 'core.debug.wasm']) {
  await copyFile(`build/${file}`, `dist/${file}`);
}
