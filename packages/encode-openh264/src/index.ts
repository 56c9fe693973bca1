export { OpenH264Encoder } from './openh264-encoder.js';
