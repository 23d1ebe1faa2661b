// Loaded into every test process (scripts/run-tests.mjs): property tests draw from one fixed
// seed, so a run is repeatable; FC_SEED=<n> explores other inputs, and a failure prints its seed.
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20_261_126) });
