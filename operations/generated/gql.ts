/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query CustomerDirectory($first: Int, $after: String, $status: VoucherStatus) {\n  allCustomers(first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        uin\n      }\n    }\n    nodes {\n      uin\n      voucherQuota {\n        totalAmount\n        remainAmount\n        asOf\n      }\n      profile {\n        name\n        email\n        phone\n        remark\n        boundAt\n        registeredAt\n        verifiedAt\n        accountStatus\n        verificationStatus\n        verificationType\n        hasExpense\n        asOf\n      }\n      vouchers(status: $status) {\n        totalCount\n        items {\n          id\n          status\n          totalAmount\n          remainAmount\n        }\n        asOf\n      }\n    }\n  }\n}": typeof types.CustomerDirectoryDocument,
    "query CustomerQuota($uin: UIN!) {\n  customer(uin: $uin) {\n    uin\n    voucherQuota {\n      totalAmount\n      remainAmount\n      usedAmount\n    }\n  }\n}": typeof types.CustomerQuotaDocument,
    "query CustomerQuotas($uins: [UIN!]!) {\n  customers(uins: $uins) {\n    uin\n    voucherQuota {\n      remainAmount\n      totalAmount\n    }\n  }\n}": typeof types.CustomerQuotasDocument,
    "query VoucherPool {\n  voucherPool {\n    agentName\n    accountType\n    totalQuota\n    remainingQuota\n    usedQuota\n    issuedNum\n  }\n}": typeof types.VoucherPoolDocument,
};
const documents: Documents = {
    "query CustomerDirectory($first: Int, $after: String, $status: VoucherStatus) {\n  allCustomers(first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        uin\n      }\n    }\n    nodes {\n      uin\n      voucherQuota {\n        totalAmount\n        remainAmount\n        asOf\n      }\n      profile {\n        name\n        email\n        phone\n        remark\n        boundAt\n        registeredAt\n        verifiedAt\n        accountStatus\n        verificationStatus\n        verificationType\n        hasExpense\n        asOf\n      }\n      vouchers(status: $status) {\n        totalCount\n        items {\n          id\n          status\n          totalAmount\n          remainAmount\n        }\n        asOf\n      }\n    }\n  }\n}": types.CustomerDirectoryDocument,
    "query CustomerQuota($uin: UIN!) {\n  customer(uin: $uin) {\n    uin\n    voucherQuota {\n      totalAmount\n      remainAmount\n      usedAmount\n    }\n  }\n}": types.CustomerQuotaDocument,
    "query CustomerQuotas($uins: [UIN!]!) {\n  customers(uins: $uins) {\n    uin\n    voucherQuota {\n      remainAmount\n      totalAmount\n    }\n  }\n}": types.CustomerQuotasDocument,
    "query VoucherPool {\n  voucherPool {\n    agentName\n    accountType\n    totalQuota\n    remainingQuota\n    usedQuota\n    issuedNum\n  }\n}": types.VoucherPoolDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CustomerDirectory($first: Int, $after: String, $status: VoucherStatus) {\n  allCustomers(first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        uin\n      }\n    }\n    nodes {\n      uin\n      voucherQuota {\n        totalAmount\n        remainAmount\n        asOf\n      }\n      profile {\n        name\n        email\n        phone\n        remark\n        boundAt\n        registeredAt\n        verifiedAt\n        accountStatus\n        verificationStatus\n        verificationType\n        hasExpense\n        asOf\n      }\n      vouchers(status: $status) {\n        totalCount\n        items {\n          id\n          status\n          totalAmount\n          remainAmount\n        }\n        asOf\n      }\n    }\n  }\n}"): (typeof documents)["query CustomerDirectory($first: Int, $after: String, $status: VoucherStatus) {\n  allCustomers(first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      hasPreviousPage\n      startCursor\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        uin\n      }\n    }\n    nodes {\n      uin\n      voucherQuota {\n        totalAmount\n        remainAmount\n        asOf\n      }\n      profile {\n        name\n        email\n        phone\n        remark\n        boundAt\n        registeredAt\n        verifiedAt\n        accountStatus\n        verificationStatus\n        verificationType\n        hasExpense\n        asOf\n      }\n      vouchers(status: $status) {\n        totalCount\n        items {\n          id\n          status\n          totalAmount\n          remainAmount\n        }\n        asOf\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CustomerQuota($uin: UIN!) {\n  customer(uin: $uin) {\n    uin\n    voucherQuota {\n      totalAmount\n      remainAmount\n      usedAmount\n    }\n  }\n}"): (typeof documents)["query CustomerQuota($uin: UIN!) {\n  customer(uin: $uin) {\n    uin\n    voucherQuota {\n      totalAmount\n      remainAmount\n      usedAmount\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CustomerQuotas($uins: [UIN!]!) {\n  customers(uins: $uins) {\n    uin\n    voucherQuota {\n      remainAmount\n      totalAmount\n    }\n  }\n}"): (typeof documents)["query CustomerQuotas($uins: [UIN!]!) {\n  customers(uins: $uins) {\n    uin\n    voucherQuota {\n      remainAmount\n      totalAmount\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query VoucherPool {\n  voucherPool {\n    agentName\n    accountType\n    totalQuota\n    remainingQuota\n    usedQuota\n    issuedNum\n  }\n}"): (typeof documents)["query VoucherPool {\n  voucherPool {\n    agentName\n    accountType\n    totalQuota\n    remainingQuota\n    usedQuota\n    issuedNum\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;