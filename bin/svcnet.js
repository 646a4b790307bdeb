#!/usr/bin/env node
// svcnet's command line; the commands live in dist/sdk/node/cli.js (built by `npm run build`).
let cli;
try {
  cli = await import('../dist/sdk/node/cli.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/sdk/node/cli.js')) {
    process.stderr.write('svcnet: the package is not built yet; run `npm run build` first\n');
    process.exit(1);
  }
  throw error;
}

try {
  process.exitCode = await cli.main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`svcnet: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
