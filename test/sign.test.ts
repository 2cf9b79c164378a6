import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseAuthorization, signTc3 } from '../src/upstream/sign.js';

const require = createRequire(import.meta.url);
const { default: Sign } = require('tencentcloud-sdk-nodejs-common/tencentcloud/common/sign.js') as {
  default: { sign3(input: Record<string, unknown>): string };
};

describe('signTc3', () => {
  it('reproduces the published Tencent Cloud example', () => {
    const result = signTc3({
      secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
      secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
      service: 'cvm',
      host: 'cvm.tencentcloudapi.com',
      contentType: 'application/json; charset=utf-8',
      payload: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
      timestamp: 1551113065,
    });
    expect(result.payloadHash).toBe('35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064');
    expect(result.canonicalRequestHash).toBe('5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031');
    expect(result.signature).toBe('72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168');
    expect(result.authorization).toBe(
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, ' +
        'SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    );
  });

  const cases = [
    { body: {}, host: 'intlpartnersmgt.intl.tencentcloudapi.com', timestamp: 1_700_000_000 },
    { body: { ClientUins: [200000097917] }, host: 'intlpartnersmgt.intl.tencentcloudapi.com', timestamp: 1_795_429_558 },
    {
      body: { ClientUins: Array.from({ length: 20 }, (_, i) => 200000000000 + i * 7919) },
      host: '127.0.0.1',
      timestamp: 1_600_000_123,
    },
  ];

  it.each(cases)('agrees with the official SDK signer (Sign.sign3) for $host at $timestamp', ({ body, host, timestamp }) => {
    const secretId = 'AKIDtestAgreement0000000000000000000';
    const secretKey = 'agreementSecretKey000000000000000';
    const payload = JSON.stringify(body);
    const ours = signTc3({ secretId, secretKey, service: 'intlpartnersmgt', host, contentType: 'application/json', payload, timestamp });
    const theirs = Sign.sign3({
      method: 'POST',
      url: `https://${host}:8443/`,
      payload: body,
      timestamp,
      service: 'intlpartnersmgt',
      secretId,
      secretKey,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(ours.authorization).toBe(theirs);
  });

  it('parses its own Authorization header back', () => {
    const { authorization, signature } = signTc3({
      secretId: 'AKIDx',
      secretKey: 'k',
      service: 'intlpartnersmgt',
      host: 'h',
      contentType: 'application/json',
      payload: '{}',
      timestamp: 1_700_000_000,
    });
    expect(parseAuthorization(authorization)).toEqual({
      secretId: 'AKIDx',
      date: '2023-11-14',
      service: 'intlpartnersmgt',
      signedHeaders: 'content-type;host',
      signature,
    });
    expect(parseAuthorization('Bearer abc')).toBeUndefined();
  });
});
