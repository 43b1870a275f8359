// What each entity page asks the API for: every field of the entity and both directions
// of each of its relations, by slug. The statistics fragment carries what the figures'
// table shows: the figure as the article writes it, its qualifier, period, subject and
// sentence.

const LINK = '__typename id slug';
const SOURCE = 'source { start end excerpt document { id slug title } }';
const FIGURE = `id slug label value unit qualifier period version
  stated { text range { start end } }
  ${SOURCE}
  subject {
    __typename
    ... on AchievementList { ${LINK} title }
    ... on Achievement { ${LINK} title rank }
    ... on Event { ${LINK} name }
    ... on Organization { ${LINK} name }
    ... on City { ${LINK} name }
  }
  achievement { ${LINK} title rank }`;

/** Per URL kind: the root field, the GraphQL type, and the selection. */
export const PAGES = {
  achievement: {
    root: 'achievement',
    type: 'Achievement',
    fields: `rank title category summary
      list { ${LINK} title }
      cities { ${LINK} name }
      organizations { ${LINK} name }
      events { ${LINK} name }
      ${SOURCE}
      statistics { ${FIGURE} }`,
  },
  list: {
    root: 'achievementList',
    type: 'AchievementList',
    fields: `title announcedOn stages
      city { ${LINK} name }
      organizers { ${LINK} name }
      achievements { ${LINK} title rank category }
      ${SOURCE}
      statistics { ${FIGURE} }`,
  },
  city: {
    root: 'city',
    type: 'City',
    fields: `name
      country { ${LINK} name }
      achievements(first: 100) { nodes { ${LINK} title rank } }
      events { ${LINK} name }
      friendshipCities { ${LINK} name }
      statistics { ${FIGURE} }`,
  },
  country: {
    root: 'country',
    type: 'Country',
    fields: `name cities { ${LINK} name }`,
  },
  organization: {
    root: 'organization',
    type: 'Organization',
    fields: `name kind foundedOn
      country { ${LINK} name }
      city { ${LINK} name }
      achievements { ${LINK} title rank }
      events { ${LINK} name }
      ${SOURCE}
      statistics { ${FIGURE} }`,
  },
  event: {
    root: 'event',
    type: 'Event',
    fields: `name startDate endDate
      city { ${LINK} name }
      organizers { ${LINK} name }
      achievements { ${LINK} title rank }
      ${SOURCE}
      statistics { ${FIGURE} }`,
  },
  statistic: {
    root: 'statistic',
    type: 'Statistic',
    fields: FIGURE,
  },
  document: {
    root: 'document',
    type: 'Document',
    fields: 'title publisher publishedOn length',
  },
};

/** Returns the page query of a kind. */
export function pageQuery(kind) {
  const page = PAGES[kind];
  return `query Explorer${page.type}($slug: String!) {
  entity: ${page.root}(slug: $slug) { __typename id slug version ${page.fields} }
}`;
}

/** Returns the query of an entity's history (needs a token). */
export function historyQuery(kind) {
  return `query ExplorerHistory($slug: String!) {
  entity: ${PAGES[kind].root}(slug: $slug) { history(first: 20) { kind version actor operation changedAt before after } }
}`;
}

/**
 * The fields a token holder can edit, per type: [field, input kind, label]. Input
 * kinds: text, textarea, int, float, date, lines (one item per line), or enum:Name.
 */
export const EDITABLE = {
  Achievement: [
    ['title', 'text', 'Title'],
    ['rank', 'int', 'Rank'],
    ['category', 'enum:AchievementCategory', 'Category'],
    ['summary', 'textarea', 'Summary'],
  ],
  AchievementList: [
    ['title', 'text', 'Title'],
    ['announcedOn', 'date', 'Announced on'],
    ['stages', 'lines', 'Stages (one per line)'],
  ],
  City: [['name', 'text', 'Name']],
  Country: [['name', 'text', 'Name']],
  Organization: [
    ['name', 'text', 'Name'],
    ['kind', 'enum:OrganizationKind', 'Kind'],
    ['foundedOn', 'date', 'Founded on'],
  ],
  Event: [
    ['name', 'text', 'Name'],
    ['startDate', 'date', 'Start date'],
    ['endDate', 'date', 'End date'],
  ],
  Statistic: [
    ['label', 'text', 'Label'],
    ['value', 'float', 'Value'],
    ['unit', 'text', 'Unit'],
    ['qualifier', 'enum:StatisticQualifier', 'Qualifier'],
    ['period', 'text', 'Period'],
  ],
  Document: [
    ['title', 'text', 'Title'],
    ['publisher', 'text', 'Publisher'],
    ['publishedOn', 'date', 'Published on'],
  ],
};

/** Returns the update mutation of a type, asking back for what the page shows. */
export function updateMutation(kind) {
  const page = PAGES[kind];
  return `mutation ExplorerUpdate${page.type}($id: ID!, $patch: ${page.type}Patch!, $expectedVersion: Int) {
  entity: update${page.type}(id: $id, patch: $patch, expectedVersion: $expectedVersion) { __typename id slug version ${page.fields} }
}`;
}
