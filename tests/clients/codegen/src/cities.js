// Documents as a graphql-codegen (client preset) app writes them: codegen compiles them
// into typed documents and a persisted-documents.json manifest.
import { graphql } from '../gql';

export const CitiesPage = graphql(`
  query CitiesPage($first: Int!, $after: String) {
    cities(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { name country { name } friendshipCities { name } statistics { label value unit } }
    }
  }
`);

export const FestivalSearch = graphql(`
  query FestivalSearch($text: String!) {
    search(query: $text, types: [EVENT], first: 3) {
      totalCount
      edges { node { ... on Event { name startDate organizers { name } } } }
    }
  }
`);
