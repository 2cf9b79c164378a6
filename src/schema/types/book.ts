import { builder } from '../builder.js';
import { CustomerAccountStatus } from './customer-profile.js';
import { DateTime } from './freshness.js';
import type { BookCoverage as BookCoverageData } from '../../book/book.js';

/** Sorting and filtering `allCustomers` from the book (no upstream call for the book's own fields). */
export const CustomerOrderField = builder.enumType('CustomerOrderField', {
  description: "What the book sorts customers by. Customers whose value is not known yet come last, in both directions.",
  values: {
    REMAIN_AMOUNT: { description: 'Remaining voucher amount.' },
    TOTAL_AMOUNT: { description: 'Total voucher amount.' },
    USED_AMOUNT: { description: 'Total minus remaining.' },
    USED_RATIO: { description: 'Used / total (0 when the total is 0).' },
    NAME: { description: "The profile's name, case-folded, by code point." },
    BOUND_AT: { description: 'When the customer was bound to the reseller.' },
  } as const,
});

export const OrderDirection = builder.enumType('OrderDirection', {
  description: 'Ascending or descending; ties are broken by UIN ascending in both.',
  values: { ASC: {}, DESC: {} } as const,
});

export const CustomerOrder = builder.inputType('CustomerOrder', {
  description: 'The order of a page read from the book.',
  fields: (t) => ({
    field: t.field({ type: CustomerOrderField, required: true }),
    direction: t.field({ type: OrderDirection, required: true, defaultValue: 'ASC' }),
  }),
});

export const FloatRange = builder.inputType('FloatRange', {
  description: 'Bounds on a number; every bound given must hold.',
  fields: (t) => ({ lt: t.float(), lte: t.float(), gt: t.float(), gte: t.float() }),
});

export const CustomerFilter = builder.inputType('CustomerFilter', {
  description: 'Which customers a page read from the book holds. A customer whose value is not known yet matches no filter on that value.',
  fields: (t) => ({
    remainAmount: t.field({ type: FloatRange }),
    usedRatio: t.field({ type: FloatRange, description: 'Used / total (0 when the total is 0).' }),
    nameContains: t.string({ description: "Case-insensitive part of the profile's name." }),
    accountStatus: t.field({ type: [CustomerAccountStatus], description: 'Any of these states; an empty list matches nothing.' }),
  }),
});

export const BookCoverage = builder.objectRef<BookCoverageData>('BookCoverage').implement({
  description: 'How much of the book a page read from it stands on.',
  fields: (t) => ({
    customers: t.exposeInt('customers', { description: 'Customers in the directory.' }),
    withQuota: t.exposeInt('withQuota', { description: 'Of those, how many have a known quota.' }),
    withProfile: t.exposeInt('withProfile', { description: 'Of those, how many have a known profile.' }),
    oldestQuotaAsOf: t.field({ type: DateTime, nullable: true, description: 'The oldest quota the book holds.', resolve: (coverage) => (coverage.oldestQuotaAsOf === null ? null : new Date(coverage.oldestQuotaAsOf)) }),
    complete: t.exposeBoolean('complete', { description: 'Every customer has a known quota and profile.' }),
  }),
});
