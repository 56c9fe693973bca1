export { PortalScreenCast } from './portal-screencast.js';
export { pipewireAccess } from './portal-bus.js';
