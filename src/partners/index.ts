// What entry points use of partners outside their routes: registering, suspending and lifting a
// suspension (`relay partners`), and the request schemas the OpenAPI document describes.
export { checkPartnerUrls, partnerRequest, partnerSettingsRequest } from './registration.js';
export { createPartner, type NewPartner, type PartnerCredentials } from './credentials.js';
// The sweep's view of debrief deliveries stored but never started.
export { listPendingPartnerDeliveries } from './delivery-repository.js';
export { partnerView, suspendRequest } from './operator.js';
export { findPartner, liftPartnerSuspension, suspendPartner } from './repository.js';
// Retention (usage's schedule orchestrates): delivery logs past their period.
export { deleteExpiredPartnerAttempts } from './retention-repository.js';
