import { arrayOf, objectWith, oneOf, type ShapeCheck } from '../store/shape.js';

/**
 * What each cache's values must look like when read back (`TimedCache.isValue`): the fields the
 * current code reads, with their types, and enums among the values this code knows (a value another
 * version added would not serialise as a GraphQL enum here: it is a miss, and a fresh answer follows).
 */
export const QUOTA_SHAPE: ShapeCheck = objectWith({ uin: 'number', totalAmount: 'number', remainAmount: 'number' });

export const PROFILE_SHAPE: ShapeCheck = objectWith({
  name: 'string|null',
  email: 'string|null',
  phone: 'string|null',
  remark: 'string|null',
  boundAt: 'number|null',
  registeredAt: 'number|null',
  verifiedAt: 'number|null',
  accountStatus: oneOf(['NORMAL', 'FORCED', 'ARREARS', 'UNKNOWN']),
  verificationStatus: oneOf(['NOT_FOUND', 'NOT_UPLOADED', 'PENDING', 'IN_REVIEW', 'REJECTED', 'VERIFIED', 'UNKNOWN']),
  verificationType: oneOf(['PERSONAL', 'ENTERPRISE', 'UNKNOWN']),
  hasExpense: 'boolean|null',
});

export const VOUCHER_LIST_SHAPE: ShapeCheck = objectWith({
  totalCount: 'number',
  items: arrayOf(objectWith({ id: 'string', status: oneOf(['UNUSED', 'USED', 'EXPIRED', 'UNKNOWN']), totalAmount: 'number', remainAmount: 'number' })),
});

export const POOL_SHAPE: ShapeCheck = objectWith({
  agentName: 'string',
  accountType: 'number',
  totalQuota: 'number',
  remainingQuota: 'number',
  issuedNum: 'number',
  requestId: 'string',
});

export const DIRECTORY_PAGE_SHAPE: ShapeCheck = objectWith({ uins: arrayOf('number'), total: 'number' });
