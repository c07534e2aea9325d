import type { SiteConfig } from '../site.ts';
import type { SiteState } from '../site-state.ts';
import type { Audience, StatusDocument } from './status-document.ts';
import type { HistorySummary } from './summary.ts';

// CONTRACT SKELETON (issue 13): signatures are the contract; the status-document helper writes the bodies.

export interface StatusDocumentInput {
  readonly audience: Audience;
  readonly title: string;
  readonly sites: readonly { readonly config: SiteConfig; readonly state: SiteState }[];
  readonly summary: HistorySummary | undefined;
  /** Owners whose sites are public unless a site says otherwise. */
  readonly publicOwners: readonly string[];
  readonly nowMs: number;
}

/** Whether a site is on the public page: its own `public` setting, else its owner's. */
export function isPublicSite(
  _config: Pick<SiteConfig, 'public' | 'owner'>,
  _publicOwners: readonly string[],
): boolean {
  throw new Error('not yet implemented');
}

/** status.json for an audience: the public one holds only public sites, without URLs or failure details. */
export function buildStatusDocument(_input: StatusDocumentInput): StatusDocument {
  throw new Error('not yet implemented');
}
