export { IrohTransport } from './iroh-transport.js';
