import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startSesIdentityStandIn, type SesIdentityStandIn } from '../src/dev/ses-identity-stand-in.js';
import { createSesClient } from '../src/integrations/ses.js';
import { createSesIdentities, type SesIdentities } from '../src/integrations/ses-identities.js';

let standIn: SesIdentityStandIn;
let identities: SesIdentities;

beforeAll(async () => {
  standIn = await startSesIdentityStandIn({ port: 0 });
  const config = loadConfig({ SES_ENDPOINT: 'http://127.0.0.1:1', SES_IDENTITY_ENDPOINT: standIn.url });
  identities = createSesIdentities(createSesClient({ ...config.ses, endpoint: config.ses.identityEndpoint }));
});
afterAll(() => standIn?.stop());

describe("relay dev's SES identity stand-in", () => {
  it('answers the SDK as SES does once DNS is in place: every domain verifies, with stable DKIM tokens', async () => {
    const { dkimTokens } = await identities.create('shop.example');
    expect(dkimTokens).toHaveLength(3);
    await identities.setMailFrom('shop.example', 'bounce.shop.example');
    expect(await identities.get('shop.example')).toEqual({
      verifiedForSending: true,
      dkim: { state: 'verified', tokens: dkimTokens },
      mailFrom: { domain: 'bounce.shop.example', state: 'verified' },
    });
    await identities.delete('shop.example');
    // A restarted `relay dev` still knows the domains it verified before.
    expect((await identities.get('shop.example'))?.dkim.tokens).toEqual(dkimTokens);
  });
});
