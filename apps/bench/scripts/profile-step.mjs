// Bundles and runs src/profile-step.ts the way scripts/run.mjs runs the benchmark.
process.env.BENCH_ENTRY = 'src/profile-step.ts';
await import('./run.mjs');
