// Plain JavaScript on purpose: a worker thread starts without tsx (Node 20 ignores `--import` in a worker's
// execArgv, and vitest does not transform workers), so this registers tsx's loader in the thread first.
import { register } from 'tsx/esm/api';

register();
await import('./lambda-worker.ts');
