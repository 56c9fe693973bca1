export { PortalScreenCast } from './portal-screencast.js';
