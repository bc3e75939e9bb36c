#!/usr/bin/env node
/**
 * The `celerity` command, with Celery's verbs:
 *
 *   celerity worker -A ./src/tasks.ts [--concurrency N] [--queues a,b] [--log-level info] [--hostname h]
 *   celerity console [--port 5555] [--host 127.0.0.1]
 *   celerity start -A ./src/tasks.ts          (managed Redis + console + worker, for development)
 *   celerity user:add <name> <admin|viewer>
 *   celerity redis:stop
 *
 * Bad input (an unknown flag, a missing file, a module without tasks) is one
 * line on stderr and exit code 2, before anything starts. Each verb loads its
 * own modules when it runs: `--help` and `worker` never load the console.
 */
import { Command, CommanderError, Option } from 'commander';
import { packageVersion } from '../lib/package-info';
import { USAGE_EXIT_CODE, UsageError } from './usage-error';
import type { WorkerFlagsRaw } from './worker-flags';

const program = new Command('celerity')
  .description('Celerity: tasks, schedules and a live console for TypeScript, on BullMQ and Redis')
  .version(packageVersion(), '-V, --version', 'print the version')
  .helpOption('-h, --help', 'show help for a command')
  .addHelpText('after', '\nRedis: REDIS_URL (default: the managed Redis of `celerity start`). More settings: CELERITY_* variables (README, "Configuration").');

/** The worker's flags, on `worker` and `start`. */
function workerOptions(cmd: Command): Command {
  return cmd
    .requiredOption('-A, --app <module>', 'your tasks module (.ts or .js): it exports its registry (default export or `registry`), optionally `schedules`')
    .option('-c, --concurrency <n>', 'jobs run at once per queue (CELERITY_CONCURRENCY, 5)')
    .option('-Q, --queues <names>', 'comma-separated queues to take jobs from (default: every queue your tasks use)')
    .option('-l, --log-level <level>', 'debug, info, warn or error (CELERITY_LOG_LEVEL, info)')
    .addOption(new Option('--loglevel <level>', "Celery's spelling of --log-level (--loglevel=INFO)").hideHelp())
    .option('-n, --hostname <name>', 'the name the console shows for this worker (default: the machine name)')
    .option('--lock-duration <ms>', "how long a running job's lock lasts unless renewed (CELERITY_LOCK_DURATION_MS, 30000)")
    .option('--stalled-interval <ms>', 'how often to look for jobs whose lock expired (CELERITY_STALLED_INTERVAL_MS, 30000)');
}

/** The console's flags, on `console` and `start`. */
function consoleOptions(cmd: Command): Command {
  return cmd.option('-p, --port <port>', 'port to listen on (PORT, 5555)').option('--host <address>', 'address to listen on (HOST, 127.0.0.1)');
}

// A type-only import: `--help` and `console` still never load worker-flags.ts.
type WorkerRaw = WorkerFlagsRaw & { app: string };

workerOptions(program.command('worker').description('run a worker on your tasks (celery -A proj worker)')).action(async (raw: WorkerRaw) => {
  const { parseWorkerFlags } = await import('./worker-flags');
  const flags = parseWorkerFlags(raw);
  const { loadTasksModule } = await import('./load-tasks-module');
  const tasks = await loadTasksModule(raw.app);
  // Tasks with isolation 'process' run each attempt in `celerity __task-child` (this same command).
  const { rememberTasksModule } = await import('../lib/worker/isolated-run');
  rememberTasksModule(tasks.registry.tasks, tasks.file, process.argv[1]!);
  const { runWorkerCommand } = await import('./worker-command');
  await runWorkerCommand(tasks, flags);
});

consoleOptions(program.command('console').description('serve the web console (celery flower); it reads your tasks from Redis'))
  .addOption(new Option('--dev', 'development mode with hot reload (this repository only)').hideHelp())
  .action(async (flags: { port?: string; host?: string; dev?: boolean }) => {
    const { runConsoleCommand } = await import('./console-command');
    await runConsoleCommand(flags);
  });

consoleOptions(workerOptions(program.command('start').description('managed Redis, console and one worker, for development')))
  .addOption(new Option('--dev', 'development mode: hot reload, worker restarted on changes (this repository only)').hideHelp())
  .action(async (raw: WorkerRaw & { port?: string; host?: string; dev?: boolean }) => {
    // Checked here, before Redis starts: the children would only fail after it.
    const { parseWorkerFlags } = await import('./worker-flags');
    parseWorkerFlags(raw);
    const { loadTasksModule } = await import('./load-tasks-module');
    await loadTasksModule(raw.app);
    const pass = (flag: string, value: string | undefined) => (value === undefined ? [] : [flag, value]);
    const { runStartCommand } = await import('./start-command');
    await runStartCommand({
      app: raw.app,
      dev: raw.dev === true,
      consoleArgs: [...pass('--port', raw.port), ...pass('--host', raw.host), ...(raw.dev ? ['--dev'] : [])],
      workerArgs: [
        ...pass('--concurrency', raw.concurrency),
        ...pass('--queues', raw.queues),
        ...pass('--log-level', raw.logLevel ?? raw.loglevel),
        ...pass('--hostname', raw.hostname),
        ...pass('--lock-duration', raw.lockDuration),
        ...pass('--stalled-interval', raw.stalledInterval),
      ],
    });
  });

// The child process of one isolated attempt (lib/worker/isolated-run.ts): not for people.
program
  .command('__task-child', { hidden: true })
  .requiredOption('-A, --app <module>', 'the tasks module the worker loaded')
  .action(async (flags: { app: string }) => {
    const { runTaskChild } = await import('./task-child');
    await runTaskChild(flags.app);
  });

program
  .command('user:add')
  .description('make the CELERITY_USERS entry of a console account (asks for its password)')
  .argument('<name>', 'the account name')
  .argument('<role>', 'admin or viewer')
  .action(async (name: string, role: string) => {
    const { runUserAddCommand } = await import('./user-add-command');
    await runUserAddCommand(name, role);
  });

program
  .command('redis:stop')
  .description('stop a managed Redis left running (its data is kept)')
  .action(async () => {
    const { runRedisStopCommand } = await import('./redis-stop-command');
    await runRedisStopCommand();
  });

program
  .command('redis:cluster')
  .description('run a local Redis Cluster on free loopback ports until Ctrl-C (prints its REDIS_URL)')
  .option('--masters <n>', 'number of masters (at least 3)', '3')
  .option('--replicas <n>', 'replicas per master', '0')
  .action(async (flags: { masters?: string; replicas?: string }) => {
    const { runRedisClusterCommand } = await import('./redis-cluster-command');
    await runRedisClusterCommand(flags);
  });

/** Every command says which verb failed, on one line, and exits 2 (commander's own errors included). */
for (const cmd of [program, ...program.commands]) {
  const name = cmd === program ? 'celerity' : `celerity ${cmd.name()}`;
  cmd.exitOverride().configureOutput({
    outputError: (message, write) => write(`${name}: ${message.replace(/^error: /, '').trim()} (see: ${name} --help)\n`),
  });
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here too, with exit code 0.
    process.exit(err.exitCode === 0 ? 0 : USAGE_EXIT_CODE);
  }
  if (err instanceof UsageError) {
    const verb = program.args[0];
    process.stderr.write(`celerity${verb && program.commands.some((c) => c.name() === verb) ? ` ${verb}` : ''}: ${err.message}\n`);
    process.exit(USAGE_EXIT_CODE);
  }
  process.stderr.write(`celerity: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
