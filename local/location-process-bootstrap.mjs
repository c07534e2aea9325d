// Plain JavaScript on purpose, as lambda-bootstrap.mjs: the location's process starts without tsx (it is spawned
// with the bare node binary and the function's environment only), so this registers tsx's loader first.
import { register } from 'tsx/esm/api';

register();
await import('./location-process-child.ts');
