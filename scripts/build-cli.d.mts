// Types of scripts/build-cli.mjs for the TypeScript that imports it (vitest's global setup, benches, tests).
export declare const root: string;
export declare const outDir: string;
/** Output name -> source file (relative to the repository) of each bundle entry. */
export declare const ENTRIES: Readonly<Record<string, string>>;
/** Why out/cli must be rebuilt, or null when it is current. */
export declare function staleReason(): string | null;
/** Builds out/cli; resolves to the source files it was built from. */
export declare function buildCli(options?: { quiet?: boolean }): Promise<string[]>;
/** Builds out/cli when stale; resolves to true when a build ran. */
export declare function ensureCli(options?: { quiet?: boolean }): Promise<boolean>;
