import { describe, expect, it } from 'vitest';
import { createHttpClient } from '../src/integrations/http.js';
import { checkTargetUrl, refusalFor, SsrfRefused } from '../src/security/ssrf.js';

describe('refusalFor', () => {
  it.each([
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    'fc00::1',
    'fd00:ec2::254',
    'fe80::1',
    '::',
    '::ffff:10.0.0.1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::a00:1',
  ])('refuses %s', (address) => {
    expect(refusalFor(address, { allowLoopback: true })).toBeDefined();
  });

  it.each(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])('refuses loopback %s unless insecure mode allows it', (address) => {
    expect(refusalFor(address, { allowLoopback: false })).toMatch(/loopback/);
    expect(refusalFor(address, { allowLoopback: true })).toBeUndefined();
  });

  it.each(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'])('allows the public address %s', (address) => {
    expect(refusalFor(address, { allowLoopback: false })).toBeUndefined();
  });
});

describe('checkTargetUrl', () => {
  const strict = { allowInsecure: false };
  it.each([
    ['http://example.com/hook', /only https/],
    ['https://10.0.0.1/hook', /private/],
    ['https://169.254.169.254/latest/meta-data/', /private|link-local/],
    ['https://[::1]/hook', /loopback/],
    ['https://[::ffff:127.0.0.1]/hook', /loopback/],
    ['https://user:pass@example.com/hook', /credentials/],
    ['javascript:alert(1)', /only https/],
  ])('refuses %s', async (url, reason) => {
    await expect(checkTargetUrl(url, strict, async () => ['93.184.216.34'])).rejects.toThrow(reason);
  });

  it('refuses a host name that resolves to a private or loopback address (checked on every call)', async () => {
    await expect(checkTargetUrl('https://hooks.example.com/x', strict, async () => ['93.184.216.34', '10.1.2.3'])).rejects.toBeInstanceOf(SsrfRefused);
    await expect(checkTargetUrl('https://localhost/x', strict)).rejects.toThrow(/loopback/);
    await expect(checkTargetUrl('https://hooks.example.com/x', strict, async () => ['93.184.216.34'])).resolves.toBeInstanceOf(URL);
  });

  it('says a name is refused without naming the internal address it resolves to', async () => {
    const refusal = await checkTargetUrl('https://hooks.example.com/x', strict, async () => ['10.1.2.3']).catch((error: Error) => error.message);
    expect(refusal).toMatch(/hooks\.example\.com.*refused/);
    expect(refusal).not.toContain('10.1.2.3');
    const atConnect = await createHttpClient({ guard: strict })
      .request({ method: 'POST', url: 'http://localhost:1/hook'.replace('http:', 'https:') })
      .catch((error: Error) => error.message);
    expect(atConnect).not.toMatch(/127\.0\.0\.1|::1/);
  });

  it('the guarded HTTP client refuses before connecting', async () => {
    const client = createHttpClient({ guard: strict });
    await expect(client.request({ method: 'POST', url: 'https://127.0.0.1:1/hook' })).rejects.toBeInstanceOf(SsrfRefused);
    await expect(client.request({ method: 'POST', url: 'http://localhost:1/hook' })).rejects.toBeInstanceOf(SsrfRefused);
  });
});
