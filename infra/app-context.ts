import type { Node } from 'constructs';
import {
  CHECKER_CONCURRENCY_LIMITS,
  DEFAULT_CHECKER_CONCURRENCY,
  DEFAULT_STACK_NAME,
  E164_PATTERN,
  EMAIL_PATTERN,
  STACK_NAME_PATTERN,
} from './deploy-config.ts';

/** CDK context keys the app reads (`cdk synth -c alertEmail=ops@example.com`). */
export const CONTEXT_KEYS = {
  alertEmail: 'alertEmail',
  alertPhone: 'alertPhone',
  checkerConcurrency: 'checkerConcurrency',
  stackName: 'stackName',
} as const;

const WHOLE_NUMBER_PATTERN = /^\d+$/;

/** The app's validated deploy-time settings. */
export interface AppContext {
  readonly stackName: string;
  readonly alertEmail?: string;
  readonly alertPhone?: string;
  readonly checkerConcurrency: number;
}

export class ContextError extends Error {
  override name = 'ContextError';
}

const show = (raw: unknown): string => JSON.stringify(raw) ?? String(raw);

function readPattern(node: Node, key: string, pattern: RegExp, expected: string): string | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !pattern.test(raw)) {
    throw new ContextError(`context ${key} must be ${expected}, got ${show(raw)}`);
  }
  return raw;
}

function readCheckerConcurrency(node: Node): number {
  const key = CONTEXT_KEYS.checkerConcurrency;
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined) return DEFAULT_CHECKER_CONCURRENCY;
  // `-c key=20` arrives as a string, cdk.json can hold a number.
  const value = typeof raw === 'string' && WHOLE_NUMBER_PATTERN.test(raw) ? Number(raw) : raw;
  const { min, max } = CHECKER_CONCURRENCY_LIMITS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ContextError(`context ${key} must be a whole number from ${min} to ${max}, got ${show(raw)}`);
  }
  return value;
}

/**
 * Reads and validates the app's context once, so a typo fails synth before any resource is built.
 * @throws ContextError naming the context key and showing the bad value.
 */
export function readAppContext(node: Node): AppContext {
  return {
    stackName:
      readPattern(
        node,
        CONTEXT_KEYS.stackName,
        STACK_NAME_PATTERN,
        'a CloudFormation stack name (a letter, then letters, digits or dashes, at most 128)',
      ) ?? DEFAULT_STACK_NAME,
    alertEmail: readPattern(
      node,
      CONTEXT_KEYS.alertEmail,
      EMAIL_PATTERN,
      'an email address like ops@example.com',
    ),
    alertPhone: readPattern(
      node,
      CONTEXT_KEYS.alertPhone,
      E164_PATTERN,
      'an E.164 phone number: + then 8-15 digits, like +15555550100',
    ),
    checkerConcurrency: readCheckerConcurrency(node),
  };
}
