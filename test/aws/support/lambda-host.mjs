// Plays the Lambda Node runtime for one bundled function, in its own process: loads the handler module from
// the unpacked code directory as Lambda does (HANDLER is `file.export`; .mjs, then .js, then .cjs), then
// runs each event the parent sends over IPC and sends back the result. Plain JavaScript on purpose: it runs
// what cdk.out holds, with no TypeScript loader.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const {
  LAMBDA_TASK_ROOT: codeDir,
  _HANDLER: handlerSpec,
  AWS_LAMBDA_FUNCTION_NAME: functionName,
} = process.env;
const timeoutMs = Number(process.env.AWS_LAMBDA_FUNCTION_TIMEOUT) * 1000;
const send = (message) => process.send?.(message);

function serialize(error) {
  return error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : { name: 'Error', message: String(error) };
}

async function loadHandler() {
  const dot = handlerSpec.lastIndexOf('.');
  const file = handlerSpec.slice(0, dot);
  const exportName = handlerSpec.slice(dot + 1);
  const path = ['.mjs', '.js', '.cjs'].map((ext) => join(codeDir, file + ext)).find((p) => existsSync(p));
  if (path === undefined) throw new Error(`no ${file}.mjs, .js or .cjs in ${codeDir}`);
  const module = await import(pathToFileURL(path).href);
  const handler = module[exportName];
  if (typeof handler !== 'function') throw new Error(`${path} exports no function ${exportName}`);
  return handler;
}

function createContext() {
  const deadlineMs = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `aws-tier/${process.pid}`,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  };
}

try {
  const handler = await loadHandler();
  process.on('message', ({ id, event }) => {
    Promise.resolve()
      .then(() => handler(event, createContext()))
      .then(
        (value) => send({ kind: 'result', id, value }),
        (error) => send({ kind: 'error', id, error: serialize(error) }),
      );
  });
  send({ kind: 'ready' });
} catch (error) {
  send({ kind: 'init-error', error: serialize(error) });
  process.exitCode = 1;
  process.disconnect?.();
}
