#!/usr/bin/env node
// Runs the TypeScript entry in this very process through tsx's loader: no build step, no second process,
// so exit codes and signals (Ctrl-C) need no forwarding.
import { register } from 'tsx/esm/api';

register();
await import('../main.ts');
