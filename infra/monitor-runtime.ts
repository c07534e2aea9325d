/**
 * The Lambda runtime every function of the stack runs on, by name, in a module with no aws-cdk-lib import: the
 * preflight (`squirrel doctor`, bundled into the CLI) reads it without loading the CDK. infra/monitor-function.ts
 * builds its Runtime from this name and fails synth if aws-cdk-lib does not know it.
 */
export const MONITOR_RUNTIME_NAME = 'nodejs24.x';
