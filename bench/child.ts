/**
 * The child side of harness.ts: `child.ts <module> <case> <params JSON> <deadline ms>` imports only
 * that case's module, runs the case, prints its result as one JSON line and exits.
 */
const [module, name, params, deadline] = process.argv.slice(2) as [string, string, string, string];
setTimeout(() => {
  process.stderr.write(`bench case ${module}:${name} passed its deadline of ${deadline} ms\n`);
  process.exit(3);
}, Number(deadline)).unref();
const cases = (await import(`./cases/${module}.js`)) as Record<string, (params: unknown) => Promise<unknown>>;
const run = cases[name];
if (run === undefined) throw new Error(`no bench case ${name} in ${module}`);
process.stdout.write(`${JSON.stringify(await run(JSON.parse(params)))}\n`);
process.exit(0);
