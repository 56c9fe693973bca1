export { NvencEncoder, type NvencEncoderOptions, type NvidiaHost } from './nvenc-encoder.js';
export { nvencFragment, nvencUnavailable, NVENC_VARIANTS, type NvencVariant, type NvencFacts } from './nvenc-fragment.js';
