// PLACEHOLDER(issue 15 verifier-fn): the verifier-fn helper writes the real handler (functions/verifier.ts →
// services/verify-batch.ts) on its branch; this file exists only so the infra branch's synth finds the entry
// (NodejsFunction refuses a missing one). It answers nothing, so a verifier deployed from here counts as "no
// answer" and never as a vote.
export const handler = async (): Promise<never> => {
  throw new Error('PLACEHOLDER(issue 15 verifier-fn): the verifier handler is not on this branch');
};
