// A page of achievements as a Relay app writes it; relay-compiler turns it into an
// artifact and an entry of persisted-documents.json.
import { graphql } from 'relay-runtime';

export default graphql`
  query AchievementsPageQuery($first: Int!, $after: String) {
    achievements(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          rank
          title
          cities { name country { name } }
          statistics { label value unit qualifier source { excerpt } }
        }
      }
    }
  }
`;
