#!/usr/bin/env node
// The command-line entry: everything lives in the compiled CLI module.
import('../dist/bundle/cli.js')
  .then((cli) => cli.main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error) => {
    if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist')) {
      console.error('balloonsim: the compiled code is missing (dist/). Run `npm run build` (or `npm ci`, which builds) first.');
      process.exitCode = 2;
      return;
    }
    console.error(`balloonsim: internal error: ${error && error.stack ? error.stack : error}`);
    process.exitCode = 1;
  });
