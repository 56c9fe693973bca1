export { TestCaptureSource, DEFAULT_TEST_PATTERN, type TestPatternOptions } from './test-capture-source.js';
export { TestToneAudioSource } from './test-tone-audio-source.js';
