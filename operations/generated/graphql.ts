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


export const CustomerQuotaDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CustomerQuota"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"uin"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UIN"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"customer"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"uin"},"value":{"kind":"Variable","name":{"kind":"Name","value":"uin"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uin"}},{"kind":"Field","name":{"kind":"Name","value":"voucherQuota"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalAmount"}},{"kind":"Field","name":{"kind":"Name","value":"remainAmount"}},{"kind":"Field","name":{"kind":"Name","value":"usedAmount"}}]}}]}}]}}]} as unknown as DocumentNode<CustomerQuotaQuery, CustomerQuotaQueryVariables>;
export const CustomerQuotasDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CustomerQuotas"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"uins"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UIN"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"customers"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"uins"},"value":{"kind":"Variable","name":{"kind":"Name","value":"uins"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uin"}},{"kind":"Field","name":{"kind":"Name","value":"voucherQuota"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"remainAmount"}},{"kind":"Field","name":{"kind":"Name","value":"totalAmount"}}]}}]}}]}}]} as unknown as DocumentNode<CustomerQuotasQuery, CustomerQuotasQueryVariables>;
export const VoucherPoolDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"VoucherPool"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"voucherPool"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"agentName"}},{"kind":"Field","name":{"kind":"Name","value":"accountType"}},{"kind":"Field","name":{"kind":"Name","value":"totalQuota"}},{"kind":"Field","name":{"kind":"Name","value":"remainingQuota"}},{"kind":"Field","name":{"kind":"Name","value":"usedQuota"}},{"kind":"Field","name":{"kind":"Name","value":"issuedNum"}}]}}]}}]} as unknown as DocumentNode<VoucherPoolQuery, VoucherPoolQueryVariables>;