export { OpenH264Encoder, openh264Fragment, type OpenH264EncoderOptions } from './openh264-encoder.js';
