import { setFlagsFromString } from 'node:v8';
import { CommandError, EXIT, InputError } from './errors.ts';
import { processIo } from './io.ts';
import { CommanderError, createProgram, exitCodeOfCommanderError } from './program.ts';

/** Runs `squirrel` with `argv` (node, script, …args); resolves to the exit code. Never throws. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = createProgram(processIo, async (action) => {
    exitCode = await action;
  });
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return exitCodeOfCommanderError(error);
    if (error instanceof InputError || error instanceof CommandError) {
      processIo.err(`error: ${error.message}`);
      return error.exitCode;
    }
    // A bug, not bad input or a failing target: show the stack so it can be reported.
    processIo.err(`error: unexpected ${(error as Error)?.stack ?? String(error)}`);
    return EXIT.failure;
  }
}

// undici parses HTTP with a WebAssembly module. V8 compiles it quickly, then recompiles its hot functions with the
// optimizing tier on worker threads, and node waits for that work before exiting: ~0.2 s of CPU and up to 0.5 s
// of wall time added to every `squirrel check`, for parsing that takes microseconds. The baseline tier is plenty
// for one command's requests. (Set before undici compiles the module; the checker Lambda keeps V8's default.)
setFlagsFromString('--liftoff-only');

// The SDK warns on every Node 20 run that future releases need Node 22; for a CLI that is noise on each
// command (the repo targets Node 22 in Lambda and documents it). Respect an explicit setting.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `squirrel … | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
  throw error;
});

process.exitCode = await main(process.argv);
