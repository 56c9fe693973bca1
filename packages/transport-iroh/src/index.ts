export { IrohTransport, PIXELPASS_ALPN, toByteArray, type IrohTransportOptions } from './iroh-transport.js';
