import { maskEmail, maskPhone } from '../contact.ts';
import type { CheckLine } from './check-line.ts';
import type { DoctorSettings } from './facts.ts';

/** The contacts line: who the deploy's alarms and alerts will reach. */
export function checkAlertContacts(settings: DoctorSettings): CheckLine {
  const { alertEmail, alertPhone, allowNoAlertContact, configPath, configFound } = settings;
  const source = configFound ? configPath : `${configPath} (not found: defaults)`;
  if (alertEmail === undefined && alertPhone === undefined) {
    return {
      check: 'alert-contacts',
      status: 'warn',
      found: allowNoAlertContact
        ? `no alertEmail or alertPhone in ${source}, and allowNoAlertContact is true: the alarms will notify nobody`
        : `no alertEmail or alertPhone in ${source}: \`cdk synth\` and \`cdk deploy\` will stop until one is set (or allowNoAlertContact: true)`,
      fix: `add "alertEmail": "you@example.com" to ${configPath}`,
    };
  }
  const parts = [
    alertEmail === undefined
      ? 'no email'
      : `email ${maskEmail(alertEmail)} (confirm the subscription mail after the deploy)`,
    alertPhone === undefined ? 'no SMS' : `SMS ${maskPhone(alertPhone)}`,
  ];
  return { check: 'alert-contacts', status: 'pass', found: `${parts.join(', ')}, from ${source}` };
}
