/**
 * Left-aligned columns separated by three spaces, as kubectl's printers lay out tables
 * (k8s.io/cli-runtime/pkg/printers, tabwriter with padding 3); no trailing spaces.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] + 3))).join('').trimEnd())
    .join('\n');
}
