// What entry points use of partners outside their routes: registering one (`relay partners create`)
// and the request schema the OpenAPI document describes.
export { checkPartnerUrls, partnerRequest } from './registration.js';
export { createPartner, type NewPartner, type PartnerCredentials } from './credentials.js';
// The sweep's view of debrief deliveries stored but never started.
export { listPendingPartnerDeliveries } from './delivery-repository.js';
