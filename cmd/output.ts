// Rendering for the CLI's listings: `-o table|wide|json|yaml`, kubectl style. Tables have upper-
// case headers, columns separated by at least two spaces and no trailing blanks; json and yaml
// print the API's records as they are, for scripts. Also the short duration form ("3d4h",
// "5m10s") used for uptimes and ages.
//
// In: records and a table builder. Out: the text to write.
import { stringify as yamlStringify } from 'yaml';
import { CliError, ExitCode } from './cli.ts';

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The --output / -o option every listing takes. */
export const OUTPUT_OPTION = { output: { type: 'string', short: 'o', default: 'table' } } as const;

export function outputFormatOf(value: unknown): OutputFormat {
  const v = value ?? 'table';
  if ((OUTPUT_FORMATS as readonly unknown[]).includes(v)) return v as OutputFormat;
  throw new CliError(
    `bad output format "${String(v)}": expected ${OUTPUT_FORMATS.join(', ')}`,
    ExitCode.USAGE,
  );
}

/** Rows of cells under headers; the last column is not padded. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** json/yaml of `data`, or the table text for table/wide. */
export function render(format: OutputFormat, data: unknown, table: (wide: boolean) => string): string {
  if (format === 'json') return `${JSON.stringify(data, null, 2)}\n`;
  if (format === 'yaml') return yamlStringify(data);
  return table(format === 'wide');
}

/** Two most significant units: "3d4h", "5m10s", "42s", "0s". Negative durations count as 0. */
export function humanDuration(ms: number): string {
  let s = Math.max(0, Math.floor(ms / 1000));
  const units: [string, number][] = [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  for (const [name, size] of units) {
    const n = Math.floor(s / size);
    if (n > 0 || (parts.length > 0 && parts.length < 2)) parts.push(`${n}${name}`);
    s -= n * size;
    if (parts.length === 2) break;
  }
  if (parts.length === 2 && parts[1].startsWith('0')) parts.pop();
  return parts.length === 0 ? '0s' : parts.join('');
}

/** A nullable number or text as a table cell: "-" when absent. */
export function cell(v: string | number | null | undefined): string {
  return v === null || v === undefined || v === '' ? '-' : String(v);
}
