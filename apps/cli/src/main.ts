#!/usr/bin/env node
// The entry: signal handlers first, then the CLI (a dynamic import, so a
// Ctrl-C while its modules load already finds them).
import { installEarlyExit } from './early-exit.js';

installEarlyExit();
await import('./cli.js');
