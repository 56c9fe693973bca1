// Ports and their tokens: what adapters implement.
export * from './ports/capture.js';
export * from './ports/audio.js';
export * from './ports/encoder.js';
export * from './ports/media-runner.js';
export * from './ports/player.js';
export * from './ports/transport.js';
export * from './ports/readiness.js';
export * from './ports/publish.js';
export * from './errors.js';
export * from './logger.js';
// The two sides, each owning its wiring: what the CLI and the bench build.
export * from './host-session.js';
export * from './viewer-session.js';
// What both sides say inside the tunnel.
export * from './tunnel-protocol.js';
export * from './share-ticket.js';
// Pieces the sessions are made of, for adapters, the bench and tests.
export * from './media-chunk.js';
export * from './mpeg-ts.js';
export * from './pipeline.js';
export * from './ladder.js';
export * from './rendition-splitter.js';
export * from './rendition-policy.js';
export * from './delivery-meter.js';
export * from './broadcast-hub.js';
export * from './capture-supervisor.js';
export * from './capture-pipeline.js';
export * from './http-head.js';
export * from './stream-gate.js';
export * from './publish-target.js';
export * from './publish-session.js';
export * from './admission-budget.js';
export * from './host-admission.js';
export * from './refusal-log.js';
export * from './token-bucket.js';
export * from './viewer-link.js';
export * from './local-stream-server.js';
export * from './stream-recorder.js';
export * from './encoder-choice.js';
export * from './encoder-probe.js';
export * from './path-lookup.js';
export * from './bind-address.js';
export * from './private-state.js';
export * from './socket-probe.js';
export * from './command-missing.js';
