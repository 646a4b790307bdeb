// Builds the core's debug and release targets through the asc API (asconfig.json).
import asc from 'assemblyscript/asc';

const targets = process.argv.slice(2).length ? process.argv.slice(2) : ['debug', 'release'];
for (const target of targets) {
  const started = Date.now();
  const { error, stderr } = await asc.main(['--config', 'asconfig.json', '--target', target], {
    stdout: process.stdout,
  });
  if (error) {
    process.stderr.write(stderr.toString());
    process.stderr.write(`svcnet: building the ${target} core failed: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`built ${target} core in ${Date.now() - started} ms\n`);
}
