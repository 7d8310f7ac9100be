#!/usr/bin/env node
// The published package's command: the bundled CLI (npm run build → scripts/bundle.mjs).
import { main } from '../dist/lib/cli.js';
await main();
