// CONTRACT SKELETON (issue 13): the compactor's handler (EventBridge, hourly at minute 20; the local runtime
// invokes it too). Written by the history-pipeline helper: it reads readCompactorConfig(process.env), scans the
// table for the sites that exist, and runs compactHistory (functions/services/history-compaction.ts).
export const handler = async (_event: {
  readonly time?: string;
  readonly throughMs?: number;
}): Promise<unknown> => {
  throw new Error('not yet implemented');
};
