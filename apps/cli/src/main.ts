#!/usr/bin/env node
// The entry: signal handlers first, then the CLI (a dynamic import, so a
// Ctrl-C while its modules load already finds them).
import { installSignalHandlers } from './signals.js';

installSignalHandlers();
await import('./cli.js');
