// Naive TypeScript references of every optimised kernel: test oracles and bench baselines.
