import { LocalLambda } from './lambda-host.ts';
import { startInvokeEndpoint } from './lambda-invoke-endpoint.ts';
import type { FromLocationProcess, ToLocationProcess } from './location-process.ts';

// The inside of a location's process (see location-process.ts): runs one function and answers Invoke for it on
// 127.0.0.1 until the parent says stop or goes away.

if (!process.send)
  throw new Error('location-process-child.ts runs in a process started by location-process.ts');
const report = (message: FromLocationProcess) => process.send?.(message);
let stop: () => Promise<void> = async () => {};
let isStopping = false;
const exit = () => {
  if (isStopping) return;
  isStopping = true;
  void stop().finally(() => process.exit());
};

process.on('message', (message: ToLocationProcess) => {
  if (message.kind === 'stop') exit();
  else void start(message);
});
// The runtime ended without a word (killed, crashed): nobody can invoke this location any more.
process.on('disconnect', exit);
process.on('SIGINT', () => {
  // Ctrl-C reaches the whole process group: the runtime stops its locations itself, in order.
});

async function start({ props }: Extract<ToLocationProcess, { kind: 'start' }>): Promise<void> {
  try {
    const lambda = await LocalLambda.start({ ...props, entry: new URL(props.entryUrl) });
    lambda.onLog((line) => report({ kind: 'log', line }));
    const endpoint = await startInvokeEndpoint({
      host: '127.0.0.1',
      port: 0,
      handle: (functionName, payload) => {
        // One function per location: a caller naming another has the wrong configuration; say so.
        if (functionName !== props.functionName) {
          throw new Error(`this location runs ${props.functionName}, not ${functionName}`);
        }
        return lambda.invoke(payload);
      },
    });
    stop = async () => {
      await endpoint.close();
      await lambda.close();
    };
    report({ kind: 'ready', invokeUrl: endpoint.url });
  } catch (error) {
    report({ kind: 'failed', message: (error as Error).message });
    process.exitCode = 1;
    process.disconnect();
  }
}
