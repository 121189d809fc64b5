// Bundles and runs src/profile.ts the way scripts/run.mjs runs the benchmark.
process.env.BENCH_ENTRY = 'src/profile.ts';
await import('./run.mjs');
