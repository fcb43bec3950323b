// The bench's inputs come from the same seeded generator as the property tests.
export { prng } from '../router/testing/prng.ts';
