// PLACEHOLDER from the infra-cost branch, replaced at merge by the real handler (issue 14, CONTRACT-14.md): the
// stack bundles this path, so it must exist for `npm run synth` and the infra tests. It never handles an event.
export const handler = async (): Promise<never> => {
  throw new Error('functions/channel-dispatcher.ts is a placeholder: replaced at merge');
};
