import type { LocationAnswer } from '../functions/domain/verification.ts';
import type { ReceivedAlert } from './alert-inbox.ts';
import { type DeliveryAttempt, formatDeliveryLine } from './delivery-attempt.ts';

// What the person watching `npm start` reads about an alert: the email text, framed, then how each channel took
// it. Deliveries and alerts arrive on separate paths (the printer's queue; the dispatcher, then the deliverer),
// in either order: an outcome that arrives first waits a moment to be printed inside the alert's block; one that
// arrives after the block is printed gets its own short line, naming the alert when other output came between.

export interface AlertPrinterProps {
  readonly print: (text: string) => void;
  readonly width: () => number;
  readonly isColored: boolean;
  /** How long an outcome waits for its alert before it is printed on its own. @default 3000 */
  readonly holdMs?: number;
}

interface Held {
  readonly attempts: DeliveryAttempt[];
  readonly timer: NodeJS.Timeout;
}

// Enough to tie late outcomes (retries minutes later) to the alerts shown on screen.
const REMEMBERED_ALERTS = 500;
const DEFAULT_HOLD_MS = 3_000;

export class AlertPrinter {
  readonly #props: AlertPrinterProps;
  readonly #held = new Map<string, Held>();
  /** Subjects of printed alerts by notification id, oldest first. */
  readonly #printed = new Map<string, string>();
  /** The notification whose block or outcome line was the last thing printed through this printer. */
  #lastPrinted: string | undefined;

  constructor(props: AlertPrinterProps) {
    this.#props = props;
  }

  alert(alert: ReceivedAlert): void {
    const id = alert.notificationId;
    const held = id === undefined ? undefined : this.#held.get(id);
    if (id !== undefined && held) {
      clearTimeout(held.timer);
      this.#held.delete(id);
    }
    const lines = (held?.attempts ?? []).map(formatDeliveryLine);
    this.#props.print(formatAlertBlock(alert, this.#props.width(), this.#props.isColored, lines));
    if (id === undefined) {
      this.#lastPrinted = undefined;
      return;
    }
    this.#printed.set(id, alert.subject);
    if (this.#printed.size > REMEMBERED_ALERTS) this.#printed.delete(this.#printed.keys().next().value ?? '');
    this.#lastPrinted = id;
  }

  delivery(attempt: DeliveryAttempt): void {
    const id = attempt.notificationId;
    const subject = this.#printed.get(id);
    if (subject !== undefined) {
      this.#printLine(attempt, id === this.#lastPrinted ? undefined : subject);
      return;
    }
    const held = this.#held.get(id);
    if (held) {
      held.attempts.push(attempt);
      return;
    }
    const timer = setTimeout(() => this.#release(id), this.#props.holdMs ?? DEFAULT_HOLD_MS);
    timer.unref();
    this.#held.set(id, { attempts: [attempt], timer });
  }

  /** Something else was printed: the next outcome line names its alert. */
  interrupted(): void {
    this.#lastPrinted = undefined;
  }

  /** Prints what still waits for its alert (the runtime is stopping). */
  flush(): void {
    for (const id of [...this.#held.keys()]) this.#release(id);
  }

  #release(id: string): void {
    const held = this.#held.get(id);
    if (!held) return;
    clearTimeout(held.timer);
    this.#held.delete(id);
    for (const attempt of held.attempts) this.#printLine(attempt, id);
  }

  #printLine(attempt: DeliveryAttempt, context: string | undefined): void {
    this.#props.print(`${formatDeliveryLine(attempt)}${context === undefined ? '' : ` · for ${context}`}`);
    this.#lastPrinted = attempt.notificationId;
  }
}

/** An alert as the person would read it in their mailbox, framed so it stands out from the status lines. */
export function formatAlertBlock(
  alert: ReceivedAlert,
  width: number,
  isColored: boolean,
  deliveryLines: readonly string[] = [],
): string {
  const rule = '═'.repeat(Math.min(width, 100));
  const event = alert.attributes.event;
  // REGIONAL tells, it does not page: it must not look like an outage on the screen either.
  const title = `ALERT ${clockTime(alert.receivedAtMs)} · ${alert.subject}${event === 'REGIONAL' ? ' (informational: does not page)' : ''}`;
  const color = event === 'UP' ? '\x1b[32m' : event === 'REGIONAL' ? '\x1b[33m' : '\x1b[31m';
  const paint = (text: string) => (isColored ? `${color}${text}\x1b[0m` : text);
  const where = alert.locations ? [paint(formatLocationsLine(alert.locations))] : [];
  return [
    '',
    paint(rule),
    paint(title),
    ...where,
    paint(rule),
    alert.text,
    paint(rule),
    ...deliveryLines,
    '',
  ].join('\n');
}

/**
 * One line saying where a verified DOWN or REGIONAL failed and where it did not, home first:
 * "where: down from local (reset); up from local-west, local-east; no answer from local-south (timed out)".
 */
export function formatLocationsLine(locations: readonly LocationAnswer[]): string {
  const named = (outcome: LocationAnswer['outcome'], describe: (answer: LocationAnswer) => string) => {
    const matching = locations.filter((answer) => answer.outcome === outcome);
    return matching.length === 0 ? [] : [matching.map(describe).join(', ')];
  };
  const parts = [
    ...named('down', (answer) =>
      answer.outcome === 'down'
        ? `${answer.location} (${answer.reason}${answer.status === undefined ? '' : ` ${answer.status}`})`
        : answer.location,
    ).map((list) => `down from ${list}`),
    ...named('up', (answer) => answer.location).map((list) => `up from ${list}`),
    ...named('no-answer', (answer) =>
      answer.outcome === 'no-answer' ? `${answer.location} (${answer.detail})` : answer.location,
    ).map((list) => `no answer from ${list}`),
  ];
  return `where: ${parts.join('; ')}`;
}

/** "2026-11-25 09:14:03" in local time: when it happened on the person's clock. */
export function clockTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
