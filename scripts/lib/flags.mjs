// Command-line flags of the node scripts (fuzz, soak, stress): `--flag value`, `--flag=value`,
// and switches without a value.

/**
 * Reads `args` into `handlers`: each key is a flag (`--time`); its handler gets the flag's value,
 * or nothing when `switches` lists the flag. `--help` and `-h` call `usage(help)`; anything
 * else calls `usage` with what was wrong (usage prints and exits 2).
 */
export function parseFlags(args, handlers, usage, { help, switches = [] }) {
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split('=', 2);
    if (flag === '--help' || flag === '-h') usage(help);
    const handler = handlers[flag];
    if (handler === undefined) usage(`unknown argument ${JSON.stringify(args[i])}`);
    if (switches.includes(flag)) handler();
    else handler(inline ?? args[++i] ?? usage(`${flag} needs a value`));
  }
}
