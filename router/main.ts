// `npm start`: the router. Configuration comes from the environment (README "Environment").
// Exit 1 when the profiles are invalid at startup (each problem printed as
// `file:line:col  severity  CODE  message`) or the environment is wrong.

import { formatText } from './config/problems.ts';
import { createRouterRuntime, StartupError, type RouterRuntime } from './runtime.ts';
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
function shutdown(reason: string) {
  if (exiting) return;
  exiting = true;
  runtime.logger.info({ reason }, 'shutting down: finishing requests in flight');
  runtime.stop().then(
    () => process.exit(0),
    (err) => {
      runtime.logger.error({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => shutdown(signal));

// npm does not forward SIGTERM to the script it runs (`npm start` execs this process): when npm
// goes away, this process is re-parented, and follows it out gracefully instead of living on.
if (process.env.npm_lifecycle_event === 'start') {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) shutdown('npm exited');
  }, 500).unref();
}
