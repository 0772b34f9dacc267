#!/usr/bin/env node
// The `livego` command. The server itself comes with issue #5; until then this says so.
console.error('livego: the server is not implemented yet (issue #5). The libraries are under packages/.');
process.exit(1);
