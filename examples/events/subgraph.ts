// An example second subgraph: an events calendar, owned by "another team". It shows how a
// subgraph extends this service's entities (docs/federation.md):
//
// - `Organization` is referenced by its `slug` key, and gains `events`;
// - an event points at the `Article` that reported it, by slug (a reference this subgraph cannot
//   resolve itself: `resolvable: false`; the content service does).
//
// Its data is a tiny in-memory list. It is served by graphql-yoga over @apollo/subgraph's schema
// builder, as a team outside this repository might do; `npm run example:events` starts it.
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { parse } from 'graphql';

export interface Event {
  id: string;
  title: string;
  startsOn: string;
  organizationSlug: string;
  articleSlug: string | null;
}

/** The calendar, keyed to the corpus's organizations and articles by slug. */
export const EVENTS: readonly Event[] = [
  {
    id: 'evt-1',
    title: '青少年法治教育公开课',
    startsOn: '2023-03-15',
    organizationSlug: 'zhongshan-procuratorate',
    articleSlug: 'liupanshui-procurators-50',
  },
  { id: 'evt-2', title: '检察开放日', startsOn: '2023-06-01', organizationSlug: 'zhongshan-procuratorate', articleSlug: null },
  { id: 'evt-3', title: '公开听证会', startsOn: '2023-09-20', organizationSlug: 'liupanshui-procuratorate', articleSlug: null },
];

export const typeDefs = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

  "Something an organization holds on a day: a hearing, an open day, a lecture."
  type Event @key(fields: "id") {
    "Stable identifier of the event in this subgraph."
    id: ID!
    "What the event is called."
    title: String!
    "The day it takes place, YYYY-MM-DD."
    startsOn: String!
    "The organization that holds it (its fields come from the content service)."
    organization: Organization!
    "The article that reported it, when there is one (resolved by the content service)."
    article: Article
  }

  "An organization of the content service, extended with its events."
  type Organization @key(fields: "slug") {
    "The organization's slug: the key both subgraphs share."
    slug: String!
    "Its events, soonest first."
    events(first: Int = 10): [Event!]!
  }

  "An article of the content service, referenced by slug."
  type Article @key(fields: "slug", resolvable: false) {
    "The article's slug."
    slug: String!
  }

  type Query {
    "Every event, soonest first."
    events(first: Int = 10): [Event!]!
  }
`);

const page = (events: readonly Event[], first: number) =>
  [...events].sort((a, b) => a.startsOn.localeCompare(b.startsOn)).slice(0, Math.max(0, Math.min(first, 100)));

/** The resolvers over a list of events (the tests bring their own). */
export const resolversOver = (events: readonly Event[]) => ({
  Query: {
    events: (_root: unknown, { first }: { first: number }) => page(events, first),
  },
  Event: {
    __resolveReference: ({ id }: { id: string }) => events.find((event) => event.id === id) ?? null,
    organization: (event: Event) => ({ slug: event.organizationSlug }),
    article: (event: Event) => (event.articleSlug ? { slug: event.articleSlug } : null),
  },
  Organization: {
    __resolveReference: ({ slug }: { slug: string }) => ({ slug }),
    events: ({ slug }: { slug: string }, { first }: { first: number }) =>
      page(events.filter((event) => event.organizationSlug === slug), first),
  },
});

/** The events subgraph as a fetch handler (`yoga.fetch`), for a server or an in-process test. */
export function createEventsSubgraph(events: readonly Event[] = EVENTS): YogaServerInstance<object, object> {
  return createYoga({
    schema: buildSubgraphSchema([{ typeDefs, resolvers: resolversOver(events) as never }]),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: false,
  });
}
