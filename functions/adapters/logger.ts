/** One JSON object per line: CloudWatch Logs Insights queries it, and EMF metrics ride on it for free. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /**
   * Emits CloudWatch metrics through Embedded Metric Format: no PutMetricData call, no extra IAM. `details`
   * ride on the same line for Logs Insights without becoming metrics (each custom metric costs $0.30 a month).
   */
  metrics(values: Record<string, number>, details?: Record<string, number>): void;
}

export const METRIC_NAMESPACE = 'UptimeSquirrel';

export function createJsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const emit = (level: string, message: string, fields?: Record<string, unknown>) =>
    write(redactContacts(JSON.stringify({ level, message, ...fields })));
  return {
    info: (message, fields) => emit('INFO', message, fields),
    warn: (message, fields) => emit('WARN', message, fields),
    error: (message, fields) => emit('ERROR', message, fields),
    metrics: (values, details) =>
      write(
        JSON.stringify({
          _aws: {
            Timestamp: Date.now(),
            CloudWatchMetrics: [
              {
                Namespace: METRIC_NAMESPACE,
                Dimensions: [[]],
                Metrics: Object.keys(values).map((name) => ({ Name: name, Unit: 'Count' })),
              },
            ],
          },
          ...details,
          ...values,
        }),
      ),
  };
}

const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/g;
const PHONE = /\+(\d{2})\d{4,11}(\d{2})\b/g;

/** Owners may be email addresses and error texts may quote input: logs keep only enough to recognise them. */
export const redactContacts = (text: string): string =>
  text.replace(EMAIL, '$1***@$2').replace(PHONE, '+$1***$2');

/** Query strings often carry tokens: logs get scheme, host and path only. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}`;
  } catch {
    return '<invalid url>';
  }
}
