export { X264Encoder, type X264EncoderOptions } from './x264-encoder.js';
