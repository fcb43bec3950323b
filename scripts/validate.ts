// npm run validate [-- DIR]: checks the profile files exactly as the router loads them.
// Exit 0 clean (warnings allowed), 1 on any error, 2 on a usage or I/O error.
import { runValidate } from './lib/validate-cli.ts';

const out = await runValidate(process.argv.slice(2));
if (out.stdout.length > 0) process.stdout.write(`${out.stdout.join('\n')}\n`);
if (out.stderr.length > 0) process.stderr.write(`${out.stderr.join('\n')}\n`);
process.exitCode = out.code;
