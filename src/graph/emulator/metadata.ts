/**
 * Microsoft Graph's v1.0 contract, read from its published CSDL metadata
 * (`contract/graph-v1.0-metadata.xml`: msgraph-metadata's clean_v10_metadata/cleanMetadata.xml, MIT
 * licence; the $metadata document described at https://learn.microsoft.com/en-us/graph/traverse-the-graph).
 *
 * The file has one element per line, so a line reader is enough: entity and complex types with
 * their properties, navigation properties and base types; bound actions and functions with their
 * parameters (the first `<Parameter>` is the binding parameter); entity sets and singletons of the
 * `GraphService` container. Nothing else of the CSDL is needed to answer "does this exist in v1.0?".
 *
 * `validateRequest` walks a request through it the way an OData service resolves a URL
 * (https://learn.microsoft.com/en-us/odata/concepts/url-components ; OData 4.01 URL conventions):
 * entity set or singleton, key, property or navigation property, type cast, bound operation; then
 * checks the JSON body's property names against the target type (or the action's parameters), and
 * `$select`/`$expand` names against the result type. SharePoint's path-based addressing
 * (`/items/{id}:/a/b:/children`, https://learn.microsoft.com/en-us/onedrive/developer/rest-api/concepts/addressing-driveitems)
 * stays on the driveItem it addresses. It only answers "is this name in the contract": it says
 * nothing about how the service behaves.
 *
 * Stricter than the service in one way, on purpose: open types (driveItem is one) would accept
 * unknown dynamic properties; here any name missing from the metadata is refused.
 */
import { readFileSync } from 'node:fs';

export const METADATA_FILE = new URL('./contract/graph-v1.0-metadata.xml', import.meta.url);

export interface CsdlProperty {
  name: string;
  /** Qualified type, e.g. `microsoft.graph.driveItem`, `Collection(microsoft.graph.permission)`, `Edm.String`. */
  type: string;
  navigation: boolean;
}

export interface CsdlStructuredType {
  name: string;
  kind: 'entity' | 'complex';
  baseType?: string;
  properties: Map<string, CsdlProperty>;
}

export interface CsdlOperation {
  name: string;
  kind: 'action' | 'function';
  /** Qualified binding type, possibly `Collection(...)`. */
  bindingType: string;
  /** Parameters after the binding parameter. */
  parameters: Map<string, string>;
  returnType?: string;
}

const attr = (line: string, name: string): string | undefined => new RegExp(`\\s${name}="([^"]*)"`).exec(line)?.[1];

const isCollection = (t: string) => t.startsWith('Collection(');
const elementType = (t: string) => (isCollection(t) ? t.slice('Collection('.length, -1) : t);

export class GraphMetadata {
  readonly types = new Map<string, CsdlStructuredType>();
  readonly enums = new Set<string>();
  readonly entitySets = new Map<string, string>();
  readonly singletons = new Map<string, string>();
  /** Bound operations by unqualified name (overloads and bindings in one list). */
  readonly operations = new Map<string, CsdlOperation[]>();
  /** Unbound operations of the container (action and function imports). */
  readonly imports = new Set<string>();

  /** Parses CSDL text with one element per line. */
  static parse(text: string): GraphMetadata {
    const md = new GraphMetadata();
    const aliases = new Map<string, string>();
    let namespace = '';
    let type: CsdlStructuredType | undefined;
    let op: CsdlOperation | undefined;
    let opFirstParam = false;
    let inContainer = false;
    const q = (t: string | undefined): string => {
      if (!t) return '';
      if (isCollection(t)) return `Collection(${q(elementType(t))})`;
      const dot = t.lastIndexOf('.');
      if (dot === -1) return t;
      const ns = t.slice(0, dot);
      return `${aliases.get(ns) ?? ns}.${t.slice(dot + 1)}`;
    };
    const lines = text.split('\n');
    // Aliases first: a type may name a schema declared later in the file.
    for (const line of lines) {
      if (!line.includes('<Schema ')) continue;
      const ns = attr(line, 'Namespace');
      const alias = attr(line, 'Alias');
      if (ns && alias) aliases.set(alias, ns);
    }
    for (const raw of lines) {
      const line = raw.trim();
      if (!line.startsWith('<')) continue;
      if (line.startsWith('<Schema ')) {
        namespace = attr(line, 'Namespace') ?? '';
        continue;
      }
      if (line.startsWith('<EntityContainer ')) {
        inContainer = true;
        continue;
      }
      if (line.startsWith('</EntityContainer>')) {
        inContainer = false;
        continue;
      }
      if (inContainer) {
        if (line.startsWith('<EntitySet ')) md.entitySets.set(attr(line, 'Name')!, q(attr(line, 'EntityType')));
        else if (line.startsWith('<Singleton ')) md.singletons.set(attr(line, 'Name')!, q(attr(line, 'Type')));
        else if (line.startsWith('<ActionImport ') || line.startsWith('<FunctionImport '))
          md.imports.add(attr(line, 'Name')!);
        continue;
      }
      if (line.startsWith('<EnumType ')) {
        md.enums.add(`${namespace}.${attr(line, 'Name')}`);
        continue;
      }
      if (line.startsWith('<EntityType ') || line.startsWith('<ComplexType ')) {
        const name = `${namespace}.${attr(line, 'Name')}`;
        const base = attr(line, 'BaseType');
        type = {
          name,
          kind: line.startsWith('<EntityType ') ? 'entity' : 'complex',
          ...(base ? { baseType: q(base) } : {}),
          properties: new Map(),
        };
        md.types.set(name, type);
        if (line.endsWith('/>')) type = undefined;
        continue;
      }
      if (line.startsWith('</EntityType>') || line.startsWith('</ComplexType>')) {
        type = undefined;
        continue;
      }
      if (type && (line.startsWith('<Property ') || line.startsWith('<NavigationProperty '))) {
        const name = attr(line, 'Name')!;
        type.properties.set(name, {
          name,
          type: q(attr(line, 'Type')),
          navigation: line.startsWith('<NavigationProperty '),
        });
        continue;
      }
      if (line.startsWith('<Action ') || line.startsWith('<Function ')) {
        const name = attr(line, 'Name')!;
        if (attr(line, 'IsBound') !== 'true') {
          op = undefined;
          continue;
        }
        op = {
          name,
          kind: line.startsWith('<Action ') ? 'action' : 'function',
          bindingType: '',
          parameters: new Map(),
        };
        opFirstParam = true;
        const list = md.operations.get(name) ?? [];
        list.push(op);
        md.operations.set(name, list);
        if (line.endsWith('/>')) op = undefined;
        continue;
      }
      if (line.startsWith('</Action>') || line.startsWith('</Function>')) {
        op = undefined;
        continue;
      }
      if (op && line.startsWith('<Parameter ')) {
        const t = q(attr(line, 'Type'));
        if (opFirstParam) {
          op.bindingType = t;
          opFirstParam = false;
        } else op.parameters.set(attr(line, 'Name')!, t);
        continue;
      }
      if (op && line.startsWith('<ReturnType ')) op.returnType = q(attr(line, 'Type'));
    }
    return md;
  }

  /** The property named `name` on `typeName` or one of its base types. */
  property(typeName: string, name: string): CsdlProperty | undefined {
    for (let t = this.types.get(typeName); t; t = t.baseType ? this.types.get(t.baseType) : undefined) {
      const p = t.properties.get(name);
      if (p) return p;
    }
    return undefined;
  }

  /** True when `typeName` is `ancestor` or derives from it. */
  derivesFrom(typeName: string, ancestor: string): boolean {
    for (let t = this.types.get(typeName); t; t = t.baseType ? this.types.get(t.baseType) : undefined) {
      if (t.name === ancestor) return true;
    }
    return false;
  }

  /** Bound operations called `name` that bind to `typeName` (or a base of it), as a collection or not. */
  boundOperations(name: string, typeName: string, collection: boolean): CsdlOperation[] {
    const bare = name.replace(/^(microsoft\.graph|graph)\./, '');
    return (this.operations.get(bare) ?? []).filter(
      (o) => isCollection(o.bindingType) === collection && this.derivesFrom(typeName, elementType(o.bindingType)),
    );
  }

  /** A qualified type name from a cast segment or `@odata.type` (`#microsoft.graph.x`, `graph.x`). */
  typeNamed(name: string): CsdlStructuredType | undefined {
    const n = name.replace(/^#/, '').replace(/^graph\./, 'microsoft.graph.');
    return this.types.get(n);
  }
}

let cached: GraphMetadata | undefined;

/** Graph v1.0's metadata, parsed once per process. */
export function graphMetadata(): GraphMetadata {
  cached ??= GraphMetadata.parse(readFileSync(METADATA_FILE, 'utf8'));
  return cached;
}

// ---------------------------------------------------------------------------------------------
// Request validation

export interface ContractRequest {
  method: string;
  /** Path below /v1.0, still percent-encoded. */
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body, a Buffer (stream content) or undefined. */
  body: unknown;
}

/** Where a URL leads: a type (collection or single) and, if the last segment is one, an operation. */
interface Target {
  type: string;
  collection: boolean;
  kind: 'entity' | 'complex' | 'primitive';
  operations?: CsdlOperation[];
}

export class ContractViolation extends Error {}

const fail = (message: string): never => {
  throw new ContractViolation(message);
};
const segmentNotFound = (s: string): never => fail(`Resource not found for the segment '${s}'.`);

function targetOf(md: GraphMetadata, typeRef: string): Target {
  const collection = isCollection(typeRef);
  const type = elementType(typeRef);
  const t = md.types.get(type);
  return { type, collection, kind: t ? t.kind : 'primitive' };
}

/** Splits `name(args)` into name and args; keys like `users('x')` and calls like `delta(token='x')`. */
function splitCall(segment: string): { name: string; args: string | null } {
  const m = /^([^(]*)\((.*)\)$/.exec(segment);
  return m ? { name: m[1]!, args: m[2]! } : { name: segment, args: null };
}

function resolvePath(md: GraphMetadata, rawPath: string): Target {
  const segments = rawPath.split('/').filter((s) => s !== '');
  if (segments.length === 0) fail("Resource not found for the segment ''.");
  let cur: Target | undefined;
  for (let i = 0; i < segments.length; i++) {
    let seg = segments[i]!;
    // SharePoint path addressing: "root:" / "{id}:" then path segments up to one ending in ':'.
    let pathAddress = false;
    if (seg.endsWith(':') && seg.length > 1) {
      seg = seg.slice(0, -1);
      pathAddress = true;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      return segmentNotFound(seg);
    }
    const { name, args } = splitCall(decoded);
    if (!cur) {
      const set = md.entitySets.get(name);
      const single = md.singletons.get(name);
      if (set) cur = { type: set, collection: args === null, kind: 'entity' };
      else if (single) cur = { type: single, collection: false, kind: 'entity' };
      else if (md.imports.has(name)) return { type: '', collection: false, kind: 'primitive' };
      else segmentNotFound(decoded);
    } else if (cur.operations) {
      fail(`Resource not found for the segment '${decoded}'.`);
    } else if (decoded === '$value' || decoded === '$ref' || decoded === '$count') {
      if (i !== segments.length - 1) segmentNotFound(segments[i + 1]!);
      return { ...cur, kind: 'primitive' };
    } else if (cur.kind === 'primitive') {
      segmentNotFound(decoded);
    } else {
      const c: Target = cur;
      const cast = /^(microsoft\.graph|graph)\./.test(name) ? md.typeNamed(name) : undefined;
      const ops = md.boundOperations(name, c.type, c.collection);
      const prop = !c.collection ? md.property(c.type, name) : undefined;
      if (cast) {
        if (!md.derivesFrom(cast.name, c.type)) fail(`The type '${cast.name}' is not derived from '${c.type}'.`);
        cur = { ...c, type: cast.name };
      } else if (prop) {
        cur = targetOf(md, prop.type);
        if (args !== null) {
          if (!cur.collection) segmentNotFound(decoded);
          cur = { ...cur, collection: false };
        }
      } else if (ops.length > 0) {
        cur = { ...c, operations: ops };
        if (args !== null && args !== '') {
          const params = new Set(ops.flatMap((o) => [...o.parameters.keys()]));
          for (const part of args.split(',')) {
            const key = part.split('=')[0]!.trim();
            if (!params.has(key)) fail(`The parameter '${key}' is not a parameter of the function '${name}'.`);
          }
        }
      } else if (c.collection) {
        // a key segment
        cur = { ...c, collection: false };
      } else segmentNotFound(decoded);
    }
    if (pathAddress) {
      // Consume the item path up to (and including) the segment that ends with ':'.
      if (!cur || cur.collection || !md.derivesFrom(cur.type, 'microsoft.graph.driveItem'))
        fail(`Path-based addressing is only valid on a driveItem ('${decoded}:').`);
      while (i + 1 < segments.length) {
        i++;
        if (segments[i]!.endsWith(':')) break;
      }
    }
  }
  return cur!;
}

/** Checks an object's property names against a structured type (recursively for complex values). */
function checkObject(md: GraphMetadata, value: unknown, typeName: string, where: string): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const obj = value as Record<string, unknown>;
  let t = typeName;
  const declared = obj['@odata.type'];
  if (typeof declared === 'string') {
    const d = md.typeNamed(declared);
    if (!d) fail(`The type '${declared.replace(/^#/, '')}' in ${where} does not exist.`);
    if (!md.derivesFrom(d!.name, typeName))
      fail(`The type '${d!.name}' in ${where} is not derived from '${typeName}'.`);
    t = d!.name;
  }
  if (!md.types.has(t)) return; // primitive or Edm.Untyped: nothing to check inside
  for (const [key, v] of Object.entries(obj)) {
    if (key.startsWith('@')) continue; // instance annotation (@odata.type, @microsoft.graph.conflictBehavior)
    const at = key.indexOf('@');
    const propName = at === -1 ? key : key.slice(0, at);
    const prop = md.property(t, propName);
    if (!prop)
      fail(
        `The property '${propName}' does not exist on type '${t}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
      );
    if (at !== -1) continue; // property annotation such as teamsApp@odata.bind
    checkValue(md, v, prop!.type, `${where}.${propName}`);
  }
}

function checkValue(md: GraphMetadata, v: unknown, typeRef: string, where: string): void {
  const el = elementType(typeRef);
  if (!md.types.has(el)) return;
  if (Array.isArray(v)) for (const x of v) checkObject(md, x, el, where);
  else checkObject(md, v, el, where);
}

function checkQuery(md: GraphMetadata, t: Target, query: URLSearchParams): void {
  let resultType = t.type;
  if (t.operations) {
    const fn = t.operations.find((o) => o.kind === 'function' && o.returnType);
    const params = new Set(t.operations.flatMap((o) => [...o.parameters.keys()]));
    for (const k of query.keys()) {
      if (k.startsWith('$') || k.startsWith('@')) continue;
      if (!params.has(k))
        fail(`The query parameter '${k}' is not a parameter of the function '${t.operations[0]!.name}'.`);
    }
    if (!fn) return;
    resultType = elementType(fn.returnType!);
  }
  if (!md.types.has(resultType)) return;
  const select = query.get('$select');
  if (select) {
    for (const name of select.split(',').map((s) => s.trim())) {
      if (name === '' || name === '*') continue;
      if (!md.property(resultType, name.replace(/^.*\//, '')))
        fail(`Could not find a property named '${name}' on type '${resultType}'.`);
    }
  }
  const expand = query.get('$expand');
  if (expand) {
    // Top-level names only; nested options in parentheses are not inspected.
    let depth = 0;
    let current = '';
    const names: string[] = [];
    for (const ch of expand) {
      if (ch === '(') depth++;
      else if (ch === ')') depth--;
      else if (ch === ',' && depth === 0) {
        names.push(current);
        current = '';
      } else if (depth === 0) current += ch;
    }
    names.push(current);
    for (const raw of names) {
      const name = raw.trim();
      if (name === '' || name === '*') continue;
      const p = md.property(resultType, name);
      if (!p || !p.navigation) fail(`Could not find a navigation property named '${name}' on type '${resultType}'.`);
    }
  }
}

/**
 * Throws ContractViolation (with Graph's wording) when the request names a path segment, body
 * property, action parameter or query name that is not in the v1.0 metadata.
 */
export function validateRequest(md: GraphMetadata, req: ContractRequest): void {
  const t = resolvePath(md, req.path);
  checkQuery(md, t, req.query);
  const method = req.method.toUpperCase();
  const body = req.body;
  if (body === undefined || Buffer.isBuffer(body) || method === 'GET' || method === 'DELETE') return;
  if (t.operations) {
    if (t.operations.every((o) => o.kind === 'function')) fail(`'${t.operations[0]!.name}' is a function: use GET.`);
    const actions = t.operations.filter((o) => o.kind === 'action');
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
    for (const [key, v] of Object.entries(body as Record<string, unknown>)) {
      if (key.startsWith('@')) continue;
      const owner = actions.find((a) => a.parameters.has(key));
      if (!owner)
        fail(
          `The parameter '${key}' in the request payload is not a valid parameter for the operation '${actions[0]!.name}'.`,
        );
      checkValue(md, v, owner!.parameters.get(key)!, key);
    }
    return;
  }
  if (t.kind === 'primitive') return;
  checkObject(md, body, t.type, 'the request body');
}
