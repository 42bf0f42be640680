// What entry points use of partners outside their routes: registering one (`relay partners create`)
// and the request schema the OpenAPI document describes.
export { checkPartnerUrls, partnerRequest } from './registration.js';
export { createPartner, type NewPartner, type PartnerCredentials } from './credentials.js';
// Retention (usage's schedule orchestrates): delivery logs past their period.
export { deleteExpiredPartnerAttempts } from './retention-repository.js';
