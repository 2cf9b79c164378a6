/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Kind of partner account, from the upstream `AccountType` code. */
export type AccountType =
  /** Code 2: a distributor. */
  | 'DISTRIBUTOR'
  /** Code 1: a reseller. */
  | 'RESELLER'
  /** Code 3: a second-level reseller. */
  | 'SECOND_LEVEL_RESELLER'
  /** Any other code (the upstream documentation itself shows 0); see `accountTypeCode`. */
  | 'UNKNOWN';

/** Account state, from the upstream `AccountStatus` code. */
export type CustomerAccountStatus =
  /** "2": mandatory arrears. */
  | 'ARREARS'
  /** "1": forcibly mandatory (not supported by the upstream yet). */
  | 'FORCED'
  /** "0": normal. */
  | 'NORMAL'
  /** A code the gateway does not know yet (logged once). */
  | 'UNKNOWN';

/** Identity verification state, from the upstream `AuthStatus` code. */
export type VerificationStatus =
  /** "1": under review. */
  | 'IN_REVIEW'
  /** "-999": account not found. */
  | 'NOT_FOUND'
  /** "-1": nothing uploaded. */
  | 'NOT_UPLOADED'
  /** "0": pending review. */
  | 'PENDING'
  /** "2": review failed. */
  | 'REJECTED'
  /** A code the gateway does not know yet (logged once). */
  | 'UNKNOWN'
  /** "3": verified. */
  | 'VERIFIED';

/** Kind of verified identity, from the upstream `AuthType` code. */
export type VerificationType =
  /** 1: an enterprise. */
  | 'ENTERPRISE'
  /** 0: a person. */
  | 'PERSONAL'
  /** -1 (none yet), or a code the gateway does not know (logged once). */
  | 'UNKNOWN';

/** State of a voucher, from the upstream `VoucherStatus`. */
export type VoucherStatus =
  /** "Expired". */
  | 'EXPIRED'
  /** A status the gateway does not know yet (logged once). Not accepted as a filter. */
  | 'UNKNOWN'
  /** "Unused". */
  | 'UNUSED'
  /** "Used". */
  | 'USED';

export type CustomerDirectoryQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  status?: VoucherStatus | null | undefined;
}>;


export type CustomerDirectoryQuery = { allCustomers: { totalCount: number, pageInfo: { hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ cursor: string, node: { uin: string } }>, nodes: Array<{ uin: string, voucherQuota: { totalAmount: number, remainAmount: number, asOf: string } | null, profile: { name: string | null, email: string | null, phone: string | null, remark: string | null, boundAt: string | null, registeredAt: string | null, verifiedAt: string | null, accountStatus: CustomerAccountStatus, verificationStatus: VerificationStatus, verificationType: VerificationType, hasExpense: boolean | null, asOf: string } | null, vouchers: { totalCount: number, asOf: string, items: Array<{ id: string, status: VoucherStatus, totalAmount: number, remainAmount: number }> } | null }> } };

export type CustomerQuotaQueryVariables = Exact<{
  uin: string | number;
}>;


export type CustomerQuotaQuery = { customer: { uin: string, voucherQuota: { totalAmount: number, remainAmount: number, usedAmount: number } | null } };

export type CustomerQuotasQueryVariables = Exact<{
  uins: Array<string | number> | string | number;
}>;


export type CustomerQuotasQuery = { customers: Array<{ uin: string, voucherQuota: { remainAmount: number, totalAmount: number } | null }> };

export type VoucherPoolQueryVariables = Exact<{ [key: string]: never; }>;


export type VoucherPoolQuery = { voucherPool: { agentName: string, accountType: AccountType, totalQuota: number, remainingQuota: number, usedQuota: number, issuedNum: number } };


export const CustomerDirectoryDocument = {"__meta__":{"hash":"sha256:69641501d5b6c74b00a580e83f002f7279416075ea1badc36d525d08053778d1"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CustomerDirectory"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"status"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"VoucherStatus"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"allCustomers"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"hasPreviousPage"}},{"kind":"Field","name":{"kind":"Name","value":"startCursor"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uin"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uin"}},{"kind":"Field","name":{"kind":"Name","value":"voucherQuota"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalAmount"}},{"kind":"Field","name":{"kind":"Name","value":"remainAmount"}},{"kind":"Field","name":{"kind":"Name","value":"asOf"}}]}},{"kind":"Field","name":{"kind":"Name","value":"profile"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phone"}},{"kind":"Field","name":{"kind":"Name","value":"remark"}},{"kind":"Field","name":{"kind":"Name","value":"boundAt"}},{"kind":"Field","name":{"kind":"Name","value":"registeredAt"}},{"kind":"Field","name":{"kind":"Name","value":"verifiedAt"}},{"kind":"Field","name":{"kind":"Name","value":"accountStatus"}},{"kind":"Field","name":{"kind":"Name","value":"verificationStatus"}},{"kind":"Field","name":{"kind":"Name","value":"verificationType"}},{"kind":"Field","name":{"kind":"Name","value":"hasExpense"}},{"kind":"Field","name":{"kind":"Name","value":"asOf"}}]}},{"kind":"Field","name":{"kind":"Name","value":"vouchers"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"status"},"value":{"kind":"Variable","name":{"kind":"Name","value":"status"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"items"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"totalAmount"}},{"kind":"Field","name":{"kind":"Name","value":"remainAmount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"asOf"}}]}}]}}]}}]}}]} as unknown as DocumentNode<CustomerDirectoryQuery, CustomerDirectoryQueryVariables>;
export const CustomerQuotaDocument = {"__meta__":{"hash":"sha256:f173b724518a38c145d1225e7fa6a8635385bea5adf930805caec67c1d9e7232"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CustomerQuota"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"uin"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UIN"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"customer"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"uin"},"value":{"kind":"Variable","name":{"kind":"Name","value":"uin"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uin"}},{"kind":"Field","name":{"kind":"Name","value":"voucherQuota"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalAmount"}},{"kind":"Field","name":{"kind":"Name","value":"remainAmount"}},{"kind":"Field","name":{"kind":"Name","value":"usedAmount"}}]}}]}}]}}]} as unknown as DocumentNode<CustomerQuotaQuery, CustomerQuotaQueryVariables>;
export const CustomerQuotasDocument = {"__meta__":{"hash":"sha256:7dc81f7790599e5fbd4b46a6aed89f7df889b4420e37ee7a3250ab2e28610b86"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CustomerQuotas"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"uins"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UIN"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"customers"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"uins"},"value":{"kind":"Variable","name":{"kind":"Name","value":"uins"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uin"}},{"kind":"Field","name":{"kind":"Name","value":"voucherQuota"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"remainAmount"}},{"kind":"Field","name":{"kind":"Name","value":"totalAmount"}}]}}]}}]}}]} as unknown as DocumentNode<CustomerQuotasQuery, CustomerQuotasQueryVariables>;
export const VoucherPoolDocument = {"__meta__":{"hash":"sha256:03a905667bd4ab095dd830718234b50856eefbad79008b9a6ce4c41b20ae9cba"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"VoucherPool"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"voucherPool"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"agentName"}},{"kind":"Field","name":{"kind":"Name","value":"accountType"}},{"kind":"Field","name":{"kind":"Name","value":"totalQuota"}},{"kind":"Field","name":{"kind":"Name","value":"remainingQuota"}},{"kind":"Field","name":{"kind":"Name","value":"usedQuota"}},{"kind":"Field","name":{"kind":"Name","value":"issuedNum"}}]}}]}}]} as unknown as DocumentNode<VoucherPoolQuery, VoucherPoolQueryVariables>;