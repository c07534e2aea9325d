import { maskPhone } from '../contact.ts';
import { type CheckLine, unknownLine } from './check-line.ts';
import type { OriginationNumber, SmsFacts } from './facts.ts';

// SNS's account spend limit for SMS when nobody set one, in USD a month.
const DEFAULT_MONTHLY_SPEND_LIMIT_USD = 1;
// What the fix proposes when the config keeps the default: enough for a few hundred alerts in most countries.
const SUGGESTED_MONTHLY_SPEND_LIMIT_USD = 10;

const SUPPORTED_REGIONS_PAGE =
  'https://docs.aws.amazon.com/sns/latest/dg/sns-supported-regions-countries.html';
const spendQuotaCaseUrl =
  'https://console.aws.amazon.com/support/home#/case/create?issueType=service-limit-increase&limitType=service-code-sns-text-messaging';
const textMessagingPage = (region: string): string =>
  `https://${region}.console.aws.amazon.com/sns/v3/home?region=${region}#/mobile/text-messaging`;
const endUserMessagingPage = (region: string): string =>
  `https://${region}.console.aws.amazon.com/sms-voice/home?region=${region}#/overview`;

/**
 * Whether the region sends SMS. The signal is SNS's own answer: an SMS account query
 * (GetSMSSandboxAccountStatus) that SNS answers means this region's SNS handles text messaging. The China
 * regions do not send SMS (https://docs.amazonaws.cn/en_us/aws/latest/userguide/sns.html).
 */
export function checkSmsRegion(sms: SmsFacts, region: string): CheckLine {
  if (region.startsWith('cn-')) {
    return {
      check: 'sms-region',
      status: 'fail',
      found: `SNS does not send SMS in the China regions (${region})`,
      fix: `deploy to a region that sends SMS (${SUPPORTED_REGIONS_PAGE}), or remove "alertPhone" from squirrel.config.json`,
    };
  }
  if (sms.isInSandbox.ok) {
    return { check: 'sms-region', status: 'pass', found: `SNS in ${region} answers SMS account queries` };
  }
  const { failure } = sms.isInSandbox;
  if (failure.kind !== 'error') return unknownLine('sms-region', failure);
  return {
    check: 'sms-region',
    status: 'fail',
    found: `SNS in ${region} refused the SMS account query (${failure.detail}): the region may not send SMS`,
    fix: `deploy to a region listed on ${SUPPORTED_REGIONS_PAGE} (export AWS_REGION=…)`,
  };
}

/** The sandbox line: out of it, or in it with the configured phone verified. */
export function checkSmsSandbox(sms: SmsFacts, region: string): CheckLine {
  if (!sms.isInSandbox.ok) return unknownLine('sms-sandbox', sms.isInSandbox.failure);
  if (!sms.isInSandbox.value) {
    return { check: 'sms-sandbox', status: 'pass', found: 'out of the SMS sandbox: SMS reaches any number' };
  }
  if (!sms.sandboxNumbers.ok) return unknownLine('sms-sandbox', sms.sandboxNumbers.failure);
  const shown = maskPhone(sms.phone);
  const entry = sms.sandboxNumbers.value.find((number) => number.phoneNumber === sms.phone);
  if (entry?.status === 'Verified') {
    return {
      check: 'sms-sandbox',
      status: 'warn',
      found: `in the SMS sandbox; ${shown} is verified, so it gets SMS, but other numbers (\`squirrel subscribe --sms\`) will not`,
      fix: `request production access: ${textMessagingPage(region)}, "Exit SMS sandbox"`,
    };
  }
  const verify = `aws sns verify-sms-sandbox-phone-number --phone-number ${sms.phone} --one-time-password CODE --region ${region}`;
  const onConsole = `or on ${textMessagingPage(region)}: "Add phone number", or "Exit SMS sandbox" for production access`;
  if (entry !== undefined) {
    return {
      check: 'sms-sandbox',
      status: 'fail',
      found: `in the SMS sandbox; ${shown} was added but not verified (${entry.status}): it gets no SMS`,
      fix: `${verify}   (CODE came by SMS; ${onConsole})`,
    };
  }
  return {
    check: 'sms-sandbox',
    status: 'fail',
    found: `in the SMS sandbox and ${shown} is not a verified number: it gets no SMS`,
    fix: `aws sns create-sms-sandbox-phone-number --phone-number ${sms.phone} --region ${region}, then ${verify}   (CODE comes by SMS; ${onConsole})`,
  };
}

/** The spend limit line: SMS stops for the month once the account's limit is spent. */
export function checkSmsSpendLimit(sms: SmsFacts, region: string, configuredLimitUsd: number): CheckLine {
  if (!sms.attributes.ok) return unknownLine('sms-spend-limit', sms.attributes.failure);
  const limit = sms.attributes.value.monthlySpendLimitUsd ?? DEFAULT_MONTHLY_SPEND_LIMIT_USD;
  const wanted =
    configuredLimitUsd > DEFAULT_MONTHLY_SPEND_LIMIT_USD
      ? configuredLimitUsd
      : SUGGESTED_MONTHLY_SPEND_LIMIT_USD;
  const setLimit = `aws sns set-sms-attributes --attributes MonthlySpendLimit=${wanted} --region ${region}`;
  const aboveQuota = `a limit above your account's SMS spend quota needs a support case first: ${spendQuotaCaseUrl}`;
  const unset = sms.attributes.value.monthlySpendLimitUsd === undefined ? ' (never set: the default)' : '';
  if (limit <= DEFAULT_MONTHLY_SPEND_LIMIT_USD) {
    return {
      check: 'sms-spend-limit',
      status: 'warn',
      found: `monthly SMS spend limit $${limit}${unset}: a few alerts use it up and SMS stops until next month`,
      fix: `${setLimit}   (${aboveQuota})`,
    };
  }
  if (limit !== configuredLimitUsd) {
    return {
      check: 'sms-spend-limit',
      status: 'warn',
      found: `monthly SMS spend limit $${limit}, but squirrel.config.json says $${configuredLimitUsd}: the spend alarm is set for the config's value`,
      fix: `set "smsMonthlySpendLimitUsd": ${limit} in squirrel.config.json, or ${setLimit.replace(`=${wanted}`, `=${configuredLimitUsd}`)}`,
    };
  }
  return { check: 'sms-spend-limit', status: 'pass', found: `monthly SMS spend limit $${limit}` };
}

const isUsableForSms = (number: OriginationNumber): boolean =>
  number.status === 'ACTIVE' && number.capabilities.includes('SMS');

/**
 * The origination line. Since 31 August 2023 SMS to the United States and its territories needs a dedicated
 * number: toll-free or 10DLC (https://docs.aws.amazon.com/sns/latest/dg/channels-sms-originating-identities.html).
 * Those share +1 with Canada and the Caribbean, which do not need one: a +1 number without a US number fails,
 * and the line says when that does not apply.
 */
export function checkSmsOrigination(sms: SmsFacts, region: string): CheckLine {
  if (!sms.originationNumbers.ok) return unknownLine('sms-origination', sms.originationNumbers.failure);
  const numbers = sms.originationNumbers.value;
  const usable = numbers.filter(isUsableForSms);
  const usableUs = usable.filter((number) => number.iso2CountryCode === 'US');
  const summary =
    numbers.length === 0
      ? 'no origination numbers'
      : `${numbers.length} origination number(s), ${usableUs.length} active US SMS number(s)`;
  if (!sms.phone.startsWith('+1')) {
    return {
      check: 'sms-origination',
      status: 'pass',
      found: `${summary}; ${maskPhone(sms.phone)} is outside +1: SNS sends from a shared route (some countries require a registered sender ID: ${SUPPORTED_REGIONS_PAGE})`,
    };
  }
  if (usableUs.length > 0) {
    return {
      check: 'sms-origination',
      status: 'pass',
      found: `${summary}: ${usableUs.map((number) => maskPhone(number.phoneNumber)).join(', ')} can send to US numbers`,
    };
  }
  return {
    check: 'sms-origination',
    status: 'fail',
    found: `${summary}; US numbers (+1) get no SMS without a toll-free or 10DLC origination number (a Canadian +1 number needs none: then ignore this line)`,
    fix: `request a toll-free number (quickest for low volume): ${endUserMessagingPage(region)}, Configurations > Phone numbers > "Request originator"`,
  };
}
