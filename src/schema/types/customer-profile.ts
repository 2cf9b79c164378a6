import { GraphQLError } from 'graphql';
import { ERROR_CODES } from '../../error-codes.js';
import type { CustomerProfile as CustomerProfileData } from '../../loaders/customer-mapping.js';
import { builder } from '../builder.js';
import type { AsOf, GatewayContext } from '../context.js';
import { AS_OF_DESCRIPTION, DateTime } from './freshness.js';

export const CustomerAccountStatus = builder.enumType('CustomerAccountStatus', {
  description: 'Account state, from the upstream `AccountStatus` code.',
  values: {
    NORMAL: { description: '"0": normal.' },
    FORCED: { description: '"1": forcibly mandatory (not supported by the upstream yet).' },
    ARREARS: { description: '"2": mandatory arrears.' },
    UNKNOWN: { description: 'A code the gateway does not know yet (logged once).' },
  } as const,
});

export const VerificationStatus = builder.enumType('VerificationStatus', {
  description: 'Identity verification state, from the upstream `AuthStatus` code.',
  values: {
    NOT_FOUND: { description: '"-999": account not found.' },
    NOT_UPLOADED: { description: '"-1": nothing uploaded.' },
    PENDING: { description: '"0": pending review.' },
    IN_REVIEW: { description: '"1": under review.' },
    REJECTED: { description: '"2": review failed.' },
    VERIFIED: { description: '"3": verified.' },
    UNKNOWN: { description: 'A code the gateway does not know yet (logged once).' },
  } as const,
});

export const VerificationType = builder.enumType('VerificationType', {
  description: 'Kind of verified identity, from the upstream `AuthType` code.',
  values: {
    PERSONAL: { description: '0: a person.' },
    ENTERPRISE: { description: '1: an enterprise.' },
    UNKNOWN: { description: '-1 (none yet), or a code the gateway does not know (logged once).' },
  } as const,
});

const TIME_NOTE = 'The upstream sends `YYYY-MM-DD hh:mm:ss` without a zone; the gateway reads it as Beijing time (UTC+8) and returns UTC.';
const when = (ms: number | null) => (ms === null ? null : new Date(ms));

/** Email and phone are personal data: only for callers allowed to see customers' contact details. */
function personal(field: 'email' | 'phone') {
  return (profile: AsOf<CustomerProfileData>, _args: object, context: GatewayContext) => {
    if (!context.canReadPersonalData()) {
      throw new GraphQLError(`Reading a customer's ${field} needs the personal-data scope.`, { extensions: { code: ERROR_CODES.forbidden } });
    }
    return profile[field];
  };
}

export const CustomerProfile = builder.objectRef<AsOf<CustomerProfileData>>('CustomerProfile').implement({
  description: 'Who the customer is (upstream action `DescribeCustomerInfo`). Empty upstream strings are `null`.',
  fields: (t) => ({
    name: t.exposeString('name', { nullable: true, description: 'Account name.' }),
    email: t.string({
      nullable: true,
      description: 'Contact email. Personal data: with caller authentication, only for tokens with the personal-data scope (default `customers:pii`); otherwise `null` with a `FORBIDDEN` error.',
      resolve: personal('email'),
    }),
    phone: t.string({
      nullable: true,
      description: 'Contact phone. Personal data: with caller authentication, only for tokens with the personal-data scope (default `customers:pii`); otherwise `null` with a `FORBIDDEN` error.',
      resolve: personal('phone'),
    }),
    remark: t.exposeString('remark', { nullable: true, description: "The reseller's own remark on the customer (upstream `Mark`)." }),
    boundAt: t.field({ type: DateTime, nullable: true, description: `When the customer was bound to the reseller (\`BindTime\`). ${TIME_NOTE}`, resolve: (p) => when(p.boundAt) }),
    registeredAt: t.field({ type: DateTime, nullable: true, description: `When the account was registered (\`UinRegisterTime\`). ${TIME_NOTE}`, resolve: (p) => when(p.registeredAt) }),
    verifiedAt: t.field({ type: DateTime, nullable: true, description: `When identity verification passed (\`AuthPassTime\`). ${TIME_NOTE}`, resolve: (p) => when(p.verifiedAt) }),
    accountStatus: t.field({ type: CustomerAccountStatus, description: 'Account state.', resolve: (p) => p.accountStatus }),
    verificationStatus: t.field({ type: VerificationStatus, description: 'Identity verification state.', resolve: (p) => p.verificationStatus }),
    verificationType: t.field({ type: VerificationType, description: 'Kind of verified identity.', resolve: (p) => p.verificationType }),
    hasExpense: t.exposeBoolean('hasExpense', { nullable: true, description: 'Whether the customer has spent anything (upstream `HasExpense`).' }),
    asOf: t.field({ type: DateTime, description: AS_OF_DESCRIPTION, resolve: (p) => new Date(p.asOf) }),
  }),
});
