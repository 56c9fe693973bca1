export { X264Encoder } from './x264-encoder.js';
