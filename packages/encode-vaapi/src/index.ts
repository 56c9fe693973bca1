export { VaapiEncoder, type VaapiEncoderOptions, type VaHost } from './vaapi-encoder.js';
export { vaapiFragment, vaapiVariants, type VaapiVariant } from './vaapi-fragment.js';
export { vaapiUnavailable, type VaFacts, type RenderNode } from './va-diagnosis.js';
