import { Agent } from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_CUSTOMER_UIN } from '../src/simulator/demo-data.js';
import { startSimulator, type Simulator } from '../src/simulator/simulator.js';

const require = createRequire(import.meta.url);
const { CommonClient } = require('tencentcloud-sdk-nodejs-common') as {
  CommonClient: new (
    endpoint: string,
    version: string,
    options: Record<string, unknown>,
  ) => { request(action: string, params: object): Promise<Record<string, unknown>> };
};

const HOST = 'intlpartnersmgt.intl.tencentcloudapi.com';

/**
 * The official SDK derives the signed service from the endpoint's first label, so it is aimed at the
 * real host name and an agent resolves that name to the simulator's loopback address.
 */
function sdkClient(simulator: Simulator, secretKey: string) {
  const port = new URL(simulator.url).port;
  const agent = new Agent({
    lookup: ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
      options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4)) as never,
  });
  return new CommonClient(`${HOST}:${port}`, '2022-09-28', {
    credential: { secretId: simulator.credentials.secretId, secretKey },
    region: '',
    profile: { httpProfile: { protocol: 'http://', agent, reqTimeout: 10 } },
  });
}

describe('simulator, called by the official tencentcloud-sdk-nodejs-common CommonClient', () => {
  let simulator: Simulator;
  beforeAll(async () => {
    simulator = await startSimulator();
  });
  afterAll(() => simulator.close());

  it('answers QueryVoucherPool and QueryVoucherAmountByUin', async () => {
    const client = sdkClient(simulator, simulator.credentials.secretKey);
    const pool = await client.request('QueryVoucherPool', {});
    expect(pool).toMatchObject({ AgentName: simulator.data.pool.agentName, AccountType: 1, IssuedNum: simulator.data.pool.issuedNum });
    expect(typeof pool.RequestId).toBe('string');

    const amounts = await client.request('QueryVoucherAmountByUin', { ClientUins: [EXAMPLE_CUSTOMER_UIN] });
    const customer = simulator.data.customers.get(EXAMPLE_CUSTOMER_UIN);
    expect(amounts.Data).toEqual([{ ClientUin: EXAMPLE_CUSTOMER_UIN, TotalAmount: customer?.totalAmount, RemainAmount: customer?.remainAmount }]);
  });

  it('answers DescribeCustomerUin, DescribeCustomerInfo and QueryVoucherListByUin as the SDK models them', async () => {
    const client = sdkClient(simulator, simulator.credentials.secretKey);
    const page = await client.request('DescribeCustomerUin', { Page: 1, PageSize: 3 });
    expect(page).toMatchObject({ Total: String(simulator.data.customerUins.length), Data: simulator.data.customerUins.slice(0, 3).map((uin) => ({ CustomerUin: String(uin) })) });

    const customer = simulator.data.customers.get(EXAMPLE_CUSTOMER_UIN);
    const info = await client.request('DescribeCustomerInfo', { CustomerUin: [EXAMPLE_CUSTOMER_UIN] });
    expect(info.Data).toEqual([{ CustomerUin: String(EXAMPLE_CUSTOMER_UIN), ...customer?.profile }]);

    const vouchers = await client.request('QueryVoucherListByUin', { ClientUins: [EXAMPLE_CUSTOMER_UIN] });
    expect(vouchers.Data).toEqual([{ ClientUin: EXAMPLE_CUSTOMER_UIN, TotalCount: customer?.vouchers.length, Data: customer?.vouchers }]);
    await expect(client.request('QueryVoucherListByUin', { ClientUins: [EXAMPLE_CUSTOMER_UIN], Status: 'Lost' })).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    await expect(client.request('DescribeCustomerUin', { Page: 1 })).rejects.toMatchObject({ code: 'MissingParameter' });
  });

  it('refuses a wrong secret key with AuthFailure.SignatureFailure', async () => {
    const client = sdkClient(simulator, 'not-the-demo-secret-key');
    await expect(client.request('QueryVoucherPool', {})).rejects.toMatchObject({ code: 'AuthFailure.SignatureFailure' });
  });
});
