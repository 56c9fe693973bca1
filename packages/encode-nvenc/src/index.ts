export { NvencEncoder } from './nvenc-encoder.js';
