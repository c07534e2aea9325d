import type { SiteConfig } from '../site.ts';
import { confirmedStatusOf, type SiteState } from '../site-state.ts';
import type { Incident } from './incident.ts';

// The incidents people are shown (status page, status.json, `squirrel incidents`): the compacted history merged
// with what only the live state knows yet. One set of rules, so every view says the same about one outage:
//
// - ongoing: only the live state says an outage goes on, and only while its site is enabled and confirmed DOWN
//   (DOWN or RECOVERING). A paused site's outage is not known to go on.
// - lastIncident: the outage that ended last, from the live state (the history may not have its end yet).
// - merge: one incident per (siteId, startMs). The copy that knows its end wins; else the live ongoing one;
//   else the history's.
// - an incident still open after the merge (the history's, not confirmed by the live state: its site paused,
//   deleted and re-added, or its state moved on) is shown ended at the last moment the history saw it, with
//   endKnown: false, never as ongoing.

export interface LiveSite {
  readonly config: Pick<SiteConfig, 'siteId' | 'enabled'>;
  readonly state: SiteState;
}

/** The outage going on now by the live state, if its site is enabled and confirmed DOWN. */
export function ongoingIncidentOf({ config, state }: LiveSite): Incident | undefined {
  if (!config.enabled || state.outage === undefined || confirmedStatusOf(state.status) !== 'DOWN') return;
  return {
    siteId: config.siteId,
    startMs: state.outage.sinceMs,
    // A DOWN site's statusSinceMs is the check that confirmed it (RECOVERING does not move it).
    confirmedMs: state.statusSinceMs ?? state.outage.sinceMs,
    reason: state.outage.reason,
    detail: state.outage.detail,
    ...(state.outage.status === undefined ? {} : { status: state.outage.status }),
  };
}

/** What the live state knows: the ongoing outage and the last one that ended. */
export function liveIncidentsOf(site: LiveSite): Incident[] {
  const ongoing = ongoingIncidentOf(site);
  const { lastIncident } = site.state;
  return [
    ...(ongoing ? [ongoing] : []),
    ...(lastIncident ? [{ ...lastIncident, siteId: site.config.siteId }] : []),
  ];
}

const knowsItsEnd = (incident: Incident): boolean =>
  incident.endMs !== undefined && incident.endKnown !== false;

/** How much a copy is believed: its real end, else the live state's word that it goes on, else the history's. */
const weightOf = (incident: Incident, isLive: boolean): number =>
  knowsItsEnd(incident) ? 2 : isLive && incident.endMs === undefined ? 1 : 0;

export interface IncidentViewInput {
  /** From the compacted history (incidents files or the summary). */
  readonly history: readonly Incident[];
  /** From the live state (liveIncidentsOf). */
  readonly live: readonly Incident[];
  /**
   * How far the history is compacted: an open incident of the history was last seen there (the compactor closes
   * one whose records stop before). Undefined: no summary; such an incident is shown ended when confirmed.
   */
  readonly historyUntilMs: number | undefined;
}

/** Every incident once, newest first (then by site id), none open unless the live state says it goes on. */
export function viewIncidents({ history, live, historyUntilMs }: IncidentViewInput): Incident[] {
  const byKey = new Map<string, { incident: Incident; weight: number }>();
  const offer = (incident: Incident, isLive: boolean) => {
    const key = `${incident.siteId}\u0000${incident.startMs}`;
    const weight = weightOf(incident, isLive);
    const known = byKey.get(key);
    if (known === undefined || weight > known.weight) byKey.set(key, { incident, weight });
  };
  for (const incident of history) offer(incident, false);
  for (const incident of live) offer(incident, true);
  return [...byKey.values()]
    .map(({ incident, weight }) =>
      incident.endMs !== undefined || weight === 1 ? incident : lastSeenAt(incident, historyUntilMs),
    )
    .sort((a, b) => b.startMs - a.startMs || compareText(a.siteId, b.siteId));
}

const lastSeenAt = (incident: Incident, historyUntilMs: number | undefined): Incident => ({
  ...incident,
  endMs: Math.max(incident.confirmedMs, historyUntilMs ?? incident.confirmedMs),
  endKnown: false,
});

// Code-unit order: the same on every machine, whatever its locale data.
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
