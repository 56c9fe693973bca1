/**
 * Which rendition of the ladder a viewer should get, from what the host sees
 * of its link: pure decisions on observations, so they are table-tested and
 * replayed against recorded traces. Down fast when the delay grows (the link
 * carries less than the rendition). Up only after the delay has stayed low for
 * a while and a probe proved the link carries the next rendition: the hub pads
 * the viewer's stream (null packets, which players ignore) up to that
 * rendition's rate for a moment; a link that cannot carry it shows a growing
 * delay, the padding is dropped at once (no picture was at stake), and the next
 * probe waits longer (the iroh-live rendition-switching idea, run on the host,
 * which sees each viewer's queue directly).
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
  /**
   * A padding probe lasts this long: the padded rate ramps up over `probeRampMs`
   * (so a link that cannot carry it is noticed before much is in flight), then
   * holds, and the rate is measured over the last second.
   */
  readonly probeMs: number;
  readonly probeRampMs: number;
  /** ... and pads to this multiple of the next rendition's rate (a margin for its peaks). */
  readonly probeMargin: number;
  /** ... and is given up as soon as bytes wait in the hub this long (what is in transit is at the probe's budget). */
  readonly probeAbortDelayMs: number;
}

export const DEFAULT_POLICY: PolicyOptions = {
  downDelayMs: 350,
  downHoldMs: 300,
  upDelayMs: 120,
  // Up after 3 s of calm; failed probes back off to at most 6 s, so a link that
  // recovered gets the top rendition back in ~11 s (two steps of a 3-rung ladder:
  // the wait, a probe proven in 3 s, the next). A probe that does not fit costs a
  // few hundred ms of delay, not a jump (the hub cuts only a backlog it cannot drain).
  upHoldMs: 3000,
  maxUpHoldMs: 6000,
  probeSuccessMs: 3000,
  settleMs: 1200,
  headroom: 0.85,
  probeMs: 1600,
  probeRampMs: 500,
  probeMargin: 1.1,
  probeAbortDelayMs: 100,
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
  /** When the last step up happened and from where, while it is unproven. */
  readonly probe: { readonly at: number; readonly from: number } | undefined;
  /** A padding probe in progress: since when, and the rates (bit/s) the hub pads the stream from and to. */
  readonly padding: { readonly since: number; readonly fromBps: number; readonly targetBps: number } | undefined;
}

/** The rate a probe asks of the link at `now` (bit/s): a ramp from the current rendition's to the target. */
export function probeRateBps(p: NonNullable<PolicyState['padding']>, now: number, options: PolicyOptions = DEFAULT_POLICY): number {
  const f = Math.min(1, Math.max(0, (now - p.since) / options.probeRampMs));
  return p.fromBps + (p.targetBps - p.fromBps) * f;
}

export function initialPolicyState(rendition: number, now: number, options: PolicyOptions = DEFAULT_POLICY): PolicyState {
  return { rendition, lastSwitchAt: now, highSince: undefined, lowSince: undefined, upHoldMs: options.upHoldMs, probe: undefined, padding: undefined };
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
  // A step up that held long enough proves the link: the next one comes at the normal pace.
  if (s.probe && o.now - s.probe.at >= options.probeSuccessMs) s = { ...s, probe: undefined, upHoldMs: options.upHoldMs };
  const backedOff = (): PolicyState => ({ ...s, padding: undefined, lowSince: undefined, upHoldMs: Math.min(options.maxUpHoldMs, s.upHoldMs * 2) });
  if (s.padding) {
    // The link could not carry the padded rate: stop padding (the hub drops what waits) and wait longer.
    if (o.queueDelayMs > options.probeAbortDelayMs) return backedOff();
    if (o.now - s.padding.since < options.probeMs) return s;
    const carried = o.rateBps !== undefined && o.rateBps >= (s.padding.targetBps / options.probeMargin) * 0.98;
    if (!carried) return backedOff();
    return { ...s, padding: undefined, rendition: s.rendition - 1, lastSwitchAt: o.now, highSince: undefined, lowSince: undefined, probe: { at: o.now, from: s.rendition } };
  }
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
    return { ...s, padding: { since: o.now, fromBps: ladderBps[s.rendition]!, targetBps: ladderBps[s.rendition - 1]! * options.probeMargin } };
  }
  return s;
}
