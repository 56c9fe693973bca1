export { VaapiEncoder, type VaapiEncoderOptions } from './vaapi-encoder.js';
export { vaapiFragment, vaapiVariants, type VaapiVariant } from './vaapi-fragment.js';
export { vaapiUnavailable, type VaFacts, type RenderNode } from './va-diagnosis.js';
