export { FfmpegPublisher } from './ffmpeg-publisher.js';
