export { PortalScreenCast, type PortalScreenCastOptions } from './portal-screencast.js';
export {
  PortalCancelled,
  PortalRequestFailed,
  NoSessionBus,
  PortalUnavailable,
  PortalTimeout,
  PipeWireUnusable,
} from './errors.js';
export { RestoreTokenStore, defaultStateDir } from './restore-token-store.js';
export type { SourceKind, CursorChoice } from './portal-protocol.js';
export { pipewireAccess, type PipeWireAccess } from './portal-bus.js';
