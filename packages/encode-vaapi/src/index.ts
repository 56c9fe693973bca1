export { VaapiEncoder } from './vaapi-encoder.js';
