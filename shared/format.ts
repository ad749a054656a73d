// Pure display helpers run by both sides: the server (search snippets, the hand-off record)
// and the browser (file lists, file cards). shared/ holds only such code: no I/O, no state
// (docs/architecture.md, "What the browser gets").

/** 1536 → "1.5 KB"; binary units, as file managers show them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
