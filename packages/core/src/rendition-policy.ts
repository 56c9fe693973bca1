/**
 * Which rendition of the ladder a viewer should get, from what the host sees
 * of its link: pure decisions on observations, so they are table-tested and
 * replayed against recorded traces. Down fast when the delay grows (the link
 * carries less than the rendition), up only after the delay has stayed low
 * for a while, probing one step at a time, and waiting longer after a probe
 * that failed (the iroh-live rendition-switching idea, run on the host, which
 * sees each viewer's queue directly).
 */
export interface PolicyOptions {
  /** Delay (hub queue + in transit) above which the rendition is too big for the link. */
  readonly downDelayMs: number;
  /** ... for this long before switching down (a keyframe's burst is not congestion). */
  readonly downHoldMs: number;
  /** Delay below which the link has room. */
  readonly upDelayMs: number;
  /** ... for this long before probing one step up. */
  readonly upHoldMs: number;
  /** After a probe that had to come back down, the next waits this much longer (doubling, capped). */
  readonly maxUpHoldMs: number;
  /** A probe that held this long succeeded: the wait for the next one is back to upHoldMs. */
  readonly probeSuccessMs: number;
  /** After a switch, no new decision for this long (it takes effect at the next keyframe). */
  readonly settleMs: number;
  /** Down to the best rendition whose bitrate is at most this share of the measured rate. */
  readonly headroom: number;
}

export const DEFAULT_POLICY: PolicyOptions = {
  downDelayMs: 350,
  downHoldMs: 300,
  upDelayMs: 120,
  upHoldMs: 4000,
  maxUpHoldMs: 32_000,
  probeSuccessMs: 10_000,
  settleMs: 1200,
  headroom: 0.85,
};

/** What the host saw of one viewer at one moment. */
export interface Observation {
  readonly now: number;
  /** Oldest queued chunk's age in the hub. */
  readonly queueDelayMs: number;
  /** What is in transit, in time at the measured rate. */
  readonly transitMs: number;
  /** Delivery rate in bits per second, when measured. */
  readonly rateBps: number | undefined;
}

export interface PolicyState {
  /** Index into the ladder: 0 is the best. */
  readonly rendition: number;
  readonly lastSwitchAt: number;
  /** Since when the delay has been high (undefined: it is not). */
  readonly highSince: number | undefined;
  /** Since when the delay has been low. */
  readonly lowSince: number | undefined;
  /** The current wait before probing up. */
  readonly upHoldMs: number;
  /** When the last step up (a probe) happened and from where, while it is unproven. */
  readonly probe: { readonly at: number; readonly from: number } | undefined;
}

export function initialPolicyState(rendition: number, now: number, options: PolicyOptions = DEFAULT_POLICY): PolicyState {
  return { rendition, lastSwitchAt: now, highSince: undefined, lowSince: undefined, upHoldMs: options.upHoldMs, probe: undefined };
}

/**
 * The next state for one observation; `state.rendition` changing is the
 * decision. `ladderBps` is each rendition's bitrate, best first.
 */
export function decide(state: PolicyState, o: Observation, ladderBps: readonly number[], options: PolicyOptions = DEFAULT_POLICY): PolicyState {
  const delay = o.queueDelayMs + o.transitMs;
  const last = ladderBps.length - 1;
  let s: PolicyState = {
    ...state,
    highSince: delay > options.downDelayMs ? (state.highSince ?? o.now) : undefined,
    lowSince: delay < options.upDelayMs ? (state.lowSince ?? o.now) : undefined,
  };
  // A probe that held long enough proves the link: the next one comes at the normal pace.
  if (s.probe && o.now - s.probe.at >= options.probeSuccessMs) s = { ...s, probe: undefined, upHoldMs: options.upHoldMs };
  if (o.now - s.lastSwitchAt < options.settleMs) return s;

  if (s.highSince !== undefined && o.now - s.highSince >= options.downHoldMs && s.rendition < last) {
    const fits = o.rateBps === undefined ? -1 : ladderBps.findIndex((bps) => bps <= o.rateBps! * options.headroom);
    // At least one step down; more when the measured rate says so.
    const target = Math.min(last, Math.max(s.rendition + 1, fits === -1 ? s.rendition + 1 : fits));
    const failedProbe = s.probe !== undefined;
    return {
      ...s,
      rendition: target,
      lastSwitchAt: o.now,
      highSince: undefined,
      lowSince: undefined,
      probe: undefined,
      upHoldMs: failedProbe ? Math.min(options.maxUpHoldMs, s.upHoldMs * 2) : s.upHoldMs,
    };
  }
  if (s.lowSince !== undefined && o.now - s.lowSince >= s.upHoldMs && s.rendition > 0) {
    return { ...s, rendition: s.rendition - 1, lastSwitchAt: o.now, highSince: undefined, lowSince: undefined, probe: { at: o.now, from: s.rendition } };
  }
  return s;
}
