// graphql-codegen's client preset with persisted documents, over schema.graphql.
export default {
  schema: '../../../schema.graphql',
  documents: ['src/**/*.js'],
  ignoreNoDocuments: true,
  generates: {
    './gql/': { preset: 'client', presetConfig: { persistedDocuments: true } },
  },
};
