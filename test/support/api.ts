import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import type { Database } from '../../src/db/client.js';
import { createYogaServer, type YogaOptions, type YogaServer } from '../../src/http/yoga.js';
import { createTestDatabase, type TestBackend } from './database.js';

/** A fresh database and an in-process server over it, recording every SQL statement sent. */
export interface TestApi {
  db: Database;
  yoga: YogaServer;
  /** SQL statements sent since the last `resetStatements()`. */
  statements: string[];
  resetStatements(): void;
  /** Runs an operation over HTTP semantics (yoga.fetch), returning the parsed body. */
  execute<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables> | string,
    variables?: TVariables,
    headers?: Record<string, string>,
  ): Promise<ExecutionResult<TResult> & { status: number }>;
  /** The same database and statement log, served with every read on the Prisma path. */
  prismaPath(): TestApi;
  close(): Promise<void>;
}

export async function createTestApi(
  backend: TestBackend,
  options: Omit<YogaOptions, 'prisma'> = {},
): Promise<TestApi> {
  const statements: string[] = [];
  const db = await createTestDatabase(backend, { onQuery: (sql) => statements.push(sql) });
  return serve(db, statements, options);
}

/** An in-process server over a database the caller made (e.g. to hand it an import queue on that database). */
export function createTestApiOver(db: Database, options: Omit<YogaOptions, 'prisma'> = {}): TestApi {
  return serve(db, [], options);
}

function serve(db: Database, statements: string[], options: Omit<YogaOptions, 'prisma'>): TestApi {
  const yoga = createYogaServer({ ...options, prisma: db.prisma });
  return {
    db,
    yoga,
    statements,
    resetStatements: () => void statements.splice(0),
    async execute(document, variables, headers = {}) {
      const query = typeof document === 'string' ? document : print(document);
      const response = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as ExecutionResult<never>) };
    },
    prismaPath: () => serve(db, statements, { ...options, compiledReads: false }),
    close: () => db.close(),
  };
}

/** The parts of an HTTP answer that tests of the transport look at; the body parsed as JSON. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] } & Record<string, any>;
}

/**
 * One POST through yoga.fetch, for tests of the transport (limits, rate limits, headers): `body`
 * is sent as is when a string, else as JSON; `from` is the socket address node's server would hand
 * over.
 */
export async function postFrom(
  yoga: YogaServer,
  body: unknown,
  { headers = {}, from }: { headers?: Record<string, string>; from?: string } = {},
): Promise<HttpAnswer> {
  const serverContext = from ? { req: { socket: { remoteAddress: from } } } : {};
  const response = await yoga.fetch(
    'http://yoga/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    },
    serverContext,
  );
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}
