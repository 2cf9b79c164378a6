/** `allCustomers(first:)`: its default and its range, shared by the field and the per-request customer cap. */
export const DIRECTORY_FIRST = { default: 50, max: 1000 } as const;
