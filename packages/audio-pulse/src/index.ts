export { PulseSystemAudio } from './pulse-system-audio.js';
export { PulseAppAudio, type PulseAppAudioOptions } from './pulse-app-audio.js';
export { PulseSoundServer } from './pulse-sound-server.js';
