// `npm start`: the router. Configuration comes from the environment (README "Environment").
// Exit 1 when the profiles are invalid at startup (each problem printed as
// `file:line:col  severity  CODE  message`) or the environment is wrong.

import { formatText } from '../scripts/lib/format-problems.ts';
import { createRouterRuntime, StartupError, type RouterRuntime } from './app-deps.ts';
import { EnvError } from './env.ts';

let runtime: RouterRuntime;
try {
  runtime = createRouterRuntime(process.env);
} catch (err) {
  process.stderr.write(`leadroute: ${err instanceof EnvError ? err.message : String(err)}\n`);
  process.exit(1);
}

try {
  await runtime.start();
} catch (err) {
  if (err instanceof StartupError) {
    for (const p of err.problems) process.stderr.write(`${formatText(p)}\n`);
    process.stderr.write(`leadroute: ${err.message}; not starting\n`);
  } else {
    runtime.logger.fatal({ err }, 'startup failed');
  }
  await runtime.stop().catch(() => undefined);
  process.exit(1);
}

process.on('SIGHUP', () => {
  runtime.logger.info('SIGHUP: reloading the profiles');
  void runtime.reload();
});

let exiting = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (exiting) return;
    exiting = true;
    runtime.logger.info({ signal }, 'shutting down: finishing requests in flight');
    runtime.stop().then(
      () => process.exit(0),
      (err) => {
        runtime.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
