export { TestCaptureSource } from './test-capture-source.js';
export { TestToneAudioSource } from './test-tone-audio-source.js';
