import postgres from "postgres";

export type Sql = postgres.Sql<{}>;
/** A transaction's `sql` has the same call shape; services accept either. */
export type Tx = postgres.TransactionSql<{}> | Sql;

export function connect(url: string, options: { max?: number } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // Dates come back as ISO strings in the API; keep `date` columns as plain YYYY-MM-DD text.
    types: { date: { to: 1082, from: [1082], serialize: (x: string) => x, parse: (x: string) => x } },
    connection: { application_name: "dealroom" },
  }) as Sql;
}

/**
 * Runs `fn` in a transaction: a new one on a pool, a savepoint inside a caller's
 * transaction, so services compose into one transaction by passing `sql` down.
 */
export function transaction<T>(sql: Tx, fn: (tx: postgres.TransactionSql<{}>) => Promise<T>): Promise<T> {
  if ("begin" in sql) return sql.begin((tx) => fn(tx)) as Promise<T>;
  return sql.savepoint((tx) => fn(tx)) as Promise<T>;
}
