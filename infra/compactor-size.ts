// The history compactor's size, apart from the stack so the cost model (bench/cost/history-model.ts) reads the
// same numbers without loading aws-cdk-lib. It reads an hour of raw batches (plus 20 minutes of the next) and
// rewrites the day's rollup and the summary: a starting size until the history pipeline's measurements say otherwise.
export const COMPACTOR_MEMORY_MIB = 1024;
export const COMPACTOR_TIMEOUT_SECONDS = 300;
