import { createHash, createHmac } from 'node:crypto';

/**
 * TC3-HMAC-SHA256, as documented by Tencent Cloud ("Signature v3") and implemented by the official
 * SDKs (`tencentcloud-sdk-nodejs-common`, `Sign.sign3`). A pure function: the caller supplies the
 * timestamp, so a signature is made right before sending and never while a request waits in a queue.
 * https://www.tencentcloud.com/document/api/1085/47362
 */
export interface SignInput {
  readonly secretId: string;
  readonly secretKey: string;
  /** Service name of the credential scope, e.g. `intlpartnersmgt`. */
  readonly service: string;
  /** Host name as signed: without port (the official Node SDK signs `URL.hostname`). */
  readonly host: string;
  readonly contentType: string;
  /** The body bytes exactly as sent. */
  readonly payload: string | Uint8Array;
  /** Unix seconds. */
  readonly timestamp: number;
}

export interface Signature {
  readonly authorization: string;
  readonly signature: string;
  readonly payloadHash: string;
  readonly canonicalRequestHash: string;
}

export const SIGNING_ALGORITHM = 'TC3-HMAC-SHA256';
const SIGNED_HEADERS = 'content-type;host';

export function signTc3(input: SignInput): Signature {
  const date = new Date(input.timestamp * 1000).toISOString().slice(0, 10);
  const payloadHash = sha256Hex(input.payload);
  const canonicalRequest = [
    'POST',
    '/',
    '',
    `content-type:${input.contentType}\nhost:${input.host}\n`,
    SIGNED_HEADERS,
    payloadHash,
  ].join('\n');
  const canonicalRequestHash = sha256Hex(canonicalRequest);
  const scope = `${date}/${input.service}/tc3_request`;
  const stringToSign = `${SIGNING_ALGORITHM}\n${input.timestamp}\n${scope}\n${canonicalRequestHash}`;

  const kDate = hmac(`TC3${input.secretKey}`, date);
  const kService = hmac(kDate, input.service);
  const kSigning = hmac(kService, 'tc3_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign).digest('hex');

  return {
    authorization: `${SIGNING_ALGORITHM} Credential=${input.secretId}/${scope}, SignedHeaders=${SIGNED_HEADERS}, Signature=${signature}`,
    signature,
    payloadHash,
    canonicalRequestHash,
  };
}

export interface ParsedAuthorization {
  readonly secretId: string;
  readonly date: string;
  readonly service: string;
  readonly signedHeaders: string;
  readonly signature: string;
}

/** Splits an `Authorization` header into its parts; `undefined` when it is not TC3 shaped. */
export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  const match =
    /^TC3-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{4}-\d{2}-\d{2})\/([^/,\s]+)\/tc3_request, ?SignedHeaders=([^,\s]+), ?Signature=([0-9a-f]{64})$/.exec(
      header,
    );
  if (!match) return undefined;
  const [, secretId, date, service, signedHeaders, signature] = match as unknown as [string, string, string, string, string, string];
  return { secretId, date, service, signedHeaders, signature };
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}
