import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the operations in `operations/`, generated against the committed subgraph SDL
 * `schema.graphql` (what a frontend team points its own codegen at). `npm run codegen` regenerates
 * both; `npm run codegen:check` fails when either is stale.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['operations/**/*.graphql'],
  ignoreNoDocuments: false,
  // ESM with NodeNext resolution: relative imports need their `.js` extension.
  emitLegacyCommonJSImports: false,
  generates: {
    'operations/generated/': {
      preset: 'client',
      // persisted-documents.json: the trusted-documents manifest of our own operations (hash → document).
      presetConfig: { fragmentMasking: false, persistedDocuments: true },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { UIN: { input: 'string | number', output: 'string' }, DateTime: { input: 'string', output: 'string' } },
        strictScalars: true,
      },
    },
  },
};

export default config;
