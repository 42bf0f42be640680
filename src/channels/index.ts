// What other capabilities use of messaging channels: their part of a privacy request.
export { exportChannelData, redactChannelData } from './privacy-repository.js';
