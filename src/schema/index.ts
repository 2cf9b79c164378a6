import { builder } from './builder.js';
import './types/uin.js';
import './types/voucher-pool.js';
import './types/voucher-quota.js';
import './types/customer.js';
import './query.js';

export type { GatewayContext } from './context.js';

/** The executable schema. */
export const schema = builder.toSchema({ sortSchema: false });
