import { graphql } from 'relay-runtime';

export default graphql`
  query SearchBoxQuery($text: String!) {
    search(query: $text, first: 5) {
      totalCount
      edges {
        node {
          __typename
          ... on Event { name startDate statistics { label value } }
          ... on Statistic { label value unit }
        }
        highlights { field snippet ranges { start end } }
      }
      suggestions
    }
  }
`;
