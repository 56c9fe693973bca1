export { PulseSystemAudio } from './pulse-system-audio.js';
export { PulseAppAudio } from './pulse-app-audio.js';
export { PulseSoundServer } from './pulse-sound-server.js';
