/**
 * CSV for every export (the archive's files.csv, audit.csv): RFC 4180 quoting, and no cell a
 * spreadsheet would run as a formula (CSV injection, docs/access.md "Resource bounds" → Exports):
 * a cell starting with `=`, `+`, `-`, `@`, a tab, a carriage return or a line feed (or their
 * full-width forms, which some spreadsheets read the same) gets a leading `'`.
 */
const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? "" : typeof value === "string" ? value : typeof value === "number" ? String(value) : JSON.stringify(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows as CSV with CRLF line ends, the last line ended too. */
export function csvLines(rows: unknown[][]): string {
  return `${rows.map((row) => row.map(csvCell).join(",")).join("\r\n")}\r\n`;
}
