import {
  getArgumentValues,
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  Kind,
  type FieldNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type SelectionSetNode,
  TypeNameMetaFieldDef,
} from 'graphql';

/** What collecting fields needs of a request: the schema, its fragments, its coerced variables. */
export type SelectionContext = Pick<GraphQLResolveInfo, 'schema' | 'fragments' | 'variableValues'>;

/** One response key of a selection set, with the field it asks for and its argument values. */
export interface SelectedField {
  /** The response key: the alias, else the field name. The compiled row is keyed by it. */
  key: string;
  name: string;
  def: GraphQLField<unknown, unknown>;
  /** Argument values as GraphQL coerced them (no Pothos argument mapping, no validation). */
  args: Record<string, unknown>;
  /** Every node asking for this key: their selection sets merge, as graphql-js merges them. */
  nodes: FieldNode[];
}

/** The selection cannot be compiled (a directive we do not know, such as @defer). */
export class NotCompilable extends Error {
  constructor(reason: string) {
    super(reason);
  }
}

const RESPONSE_KEY = /^[_A-Za-z][_0-9A-Za-z]*$/;

function included(node: { directives?: readonly { name: { value: string } }[] }, info: SelectionContext): boolean {
  if (!node.directives?.length) return true;
  for (const directive of node.directives) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') throw new NotCompilable(`directive @${name}`);
  }
  const skip = getDirectiveValues(GraphQLSkipDirective, node as FieldNode, info.variableValues);
  if (skip?.if === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node as FieldNode, info.variableValues);
  return include?.if !== false;
}

/**
 * The fields that `selectionSets` select on `type`, merged by response key, in document order:
 * graphql-js's CollectFields (fragments, type conditions, @skip and @include), for the compiler.
 * `__typename` is left out unless `typename` is set: graphql-js answers it without a resolver.
 */
export function collectFields(
  type: GraphQLObjectType,
  selectionSets: readonly (SelectionSetNode | undefined)[],
  info: SelectionContext,
  typename = false,
): SelectedField[] {
  const byKey = new Map<string, { name: string; nodes: FieldNode[] }>();
  const visited = new Set<string>();
  const fields = type.getFields();

  const walk = (set: SelectionSetNode | undefined) => {
    if (!set) return;
    for (const selection of set.selections) {
      if (!included(selection, info)) continue;
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__typename' && !typename) continue;
        const key = selection.alias?.value ?? name;
        const entry = byKey.get(key);
        if (entry) entry.nodes.push(selection);
        else byKey.set(key, { name, nodes: [selection] });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (applies(selection.typeCondition?.name.value)) walk(selection.selectionSet);
      } else {
        const name = selection.name.value;
        if (visited.has(name)) continue;
        visited.add(name);
        const fragment = info.fragments[name];
        if (fragment && applies(fragment.typeCondition.name.value)) walk(fragment.selectionSet);
      }
    }
  };
  const applies = (condition: string | undefined) => {
    if (!condition || condition === type.name) return true;
    const conditionType = info.schema.getType(condition);
    return !!conditionType && isAbstractType(conditionType) && info.schema.isSubType(conditionType, type);
  };

  for (const set of selectionSets) walk(set);

  return [...byKey].map(([key, { name, nodes }]) => {
    const def = name === '__typename' ? TypeNameMetaFieldDef : fields[name];
    if (!def) throw new NotCompilable(`${type.name}.${name} is not a field`);
    if (!RESPONSE_KEY.test(key)) throw new NotCompilable(`response key ${key}`);
    return { key, name, def, args: getArgumentValues(def, nodes[0]!, info.variableValues), nodes };
  });
}

/** The merged sub-selection of a field, collected on the object type it returns. */
export function subfields(field: SelectedField, type: GraphQLObjectType, info: SelectionContext, typename = false): SelectedField[] {
  return collectFields(type, field.nodes.map((node) => node.selectionSet), info, typename);
}
