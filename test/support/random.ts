/** Seeded randomness for simulations and generated payloads: the harness's Rng (packages/testkit). */
export { Rng, runSeed } from '@kcptunb/testkit';
