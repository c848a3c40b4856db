// Types of bench/table.mjs (plain node, run without a build by bench/run.mjs).
export declare const COLUMNS: string[];
export declare function parseTables(text: string): { header: string[]; rows: string[][]; lines: string[] }[];
export declare function collect(text: string): { rows: string[][]; verbatim: string[][] };
export declare function standardTable(rows: string[][]): string;
