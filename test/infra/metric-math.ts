/**
 * A small evaluator of the CloudWatch metric math the stack's alarms use (IF, FILL, AND, OR, comparisons,
 * numbers, metric ids), one period at a time, and of an alarm's M-of-N decision. It lets a test run the
 * expression the template actually holds against the periods a real deployment goes through.
 */

/** One period's value of each metric id; `undefined` is a period without a datapoint. */
export type Period = Readonly<Record<string, number | undefined>>;

/**
 * How FILL treats a period in which no metric of the expression has data. CloudWatch documents FILL as filling
 * the gaps of a time series; whether an alarm query also gets datapoints where no metric has any is not
 * something the tests should depend on, so they check both readings.
 */
export type FillReading = 'fills-every-period' | 'fills-only-where-some-metric-has-data';

type Token =
  | { kind: 'number'; value: number }
  | { kind: 'name'; value: string }
  | { kind: 'op'; value: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(==|!=|>=|<=|[><(),]))/y;
  while (pattern.lastIndex < expression.length) {
    const match = pattern.exec(expression);
    if (match === null) break;
    if (match[1] !== undefined) tokens.push({ kind: 'number', value: Number(match[1]) });
    else if (match[2] !== undefined) tokens.push({ kind: 'name', value: match[2] });
    else if (match[3] !== undefined) tokens.push({ kind: 'op', value: match[3] });
  }
  if (expression.slice(pattern.lastIndex).trim() !== '') {
    throw new Error(`cannot read the expression from: ${expression.slice(pattern.lastIndex)}`);
  }
  return tokens;
}

/** Evaluates `expression` in one period; `undefined` when the period has no datapoint. */
export function evaluate(expression: string, period: Period, reading: FillReading): number | undefined {
  const tokens = tokenize(expression);
  const ids = tokens.filter((t) => t.kind === 'name' && !['IF', 'FILL', 'AND', 'OR'].includes(t.value));
  const hasAnyData = ids.some((t) => period[t.value as string] !== undefined);
  if (!hasAnyData && reading === 'fills-only-where-some-metric-has-data') return undefined;
  let at = 0;
  const peek = () => tokens[at];
  const take = (expected?: string): Token => {
    const token = tokens[at++];
    if (token === undefined || (expected !== undefined && token.value !== expected)) {
      throw new Error(`expected ${expected ?? 'a token'} at token ${at - 1} of ${expression}`);
    }
    return token;
  };
  // Missing inside arithmetic is NaN: only FILL turns a gap into a number, as in CloudWatch.
  const primary = (): number => {
    const token = take();
    if (token.kind === 'number') return token.value;
    if (token.kind === 'name' && token.value === 'IF') {
      take('(');
      const condition = disjunction();
      take(',');
      const whenTrue = disjunction();
      take(',');
      const whenFalse = disjunction();
      take(')');
      return condition !== 0 && !Number.isNaN(condition) ? whenTrue : whenFalse;
    }
    if (token.kind === 'name' && token.value === 'FILL') {
      take('(');
      const id = take().value as string;
      take(',');
      const fill = disjunction();
      take(')');
      return period[id] ?? fill;
    }
    if (token.kind === 'name') return period[token.value] ?? Number.NaN;
    if (token.value === '(') {
      const inner = disjunction();
      take(')');
      return inner;
    }
    throw new Error(`unexpected ${token.value} in ${expression}`);
  };
  const comparison = (): number => {
    const left = primary();
    const op = peek();
    if (op?.kind !== 'op' || !['>', '<', '>=', '<=', '==', '!='].includes(op.value as string)) return left;
    take();
    const right = primary();
    const results: Record<string, boolean> = {
      '>': left > right,
      '<': left < right,
      '>=': left >= right,
      '<=': left <= right,
      '==': left === right,
      '!=': left !== right,
    };
    return results[op.value as string] ? 1 : 0;
  };
  const conjunction = (): number => {
    let value = comparison();
    while (peek()?.value === 'AND') {
      take();
      const right = comparison();
      value = value !== 0 && right !== 0 ? 1 : 0;
    }
    return value;
  };
  const disjunction = (): number => {
    let value = conjunction();
    while (peek()?.value === 'OR') {
      take();
      const right = conjunction();
      value = value !== 0 || right !== 0 ? 1 : 0;
    }
    return value;
  };
  const result = disjunction();
  if (at !== tokens.length) throw new Error(`unread tokens after ${at} in ${expression}`);
  return result;
}

export interface AlarmRule {
  readonly threshold: number;
  readonly comparison: 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold';
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: 'breaching' | 'notBreaching';
}

/** The alarm's state after the last `evaluationPeriods` of `values` (oldest first). */
export function alarmState(rule: AlarmRule, values: readonly (number | undefined)[]): 'ALARM' | 'OK' {
  const breaches = (value: number | undefined) => {
    if (value === undefined) return rule.treatMissingData === 'breaching';
    if (rule.comparison === 'GreaterThanOrEqualToThreshold') return value >= rule.threshold;
    if (rule.comparison === 'GreaterThanThreshold') return value > rule.threshold;
    return value < rule.threshold;
  };
  const window = values.slice(-rule.evaluationPeriods);
  return window.filter(breaches).length >= rule.datapointsToAlarm ? 'ALARM' : 'OK';
}
