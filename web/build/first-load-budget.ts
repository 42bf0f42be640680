import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

interface Chunk {
  type: 'chunk';
  name: string;
  code: string;
  isEntry: boolean;
  imports: string[];
  dynamicImports: string[];
}

/**
 * Prints the JavaScript a browser loads on a first visit, gzipped, and fails the build
 * past the budget: the shell (the entry chunk and what it imports statically), and the
 * shell plus each page (a route's lazy chunk, what it imports, and what it loads lazily
 * itself, like the Overview's chart), the heaviest page named.
 */
export function firstLoadBudget(options: { maxGzipKb: number }): Plugin {
  return {
    name: 'relay-first-load-budget',
    apply: 'build',
    generateBundle(_output, bundle) {
      const chunks = new Map(Object.entries(bundle).filter((entry): entry is [string, Chunk & (typeof bundle)[string]] => entry[1].type === 'chunk'));
      const gzipped = new Map<string, number>();
      const size = (fileName: string) => {
        if (!gzipped.has(fileName)) gzipped.set(fileName, gzipSync(chunks.get(fileName)!.code).length);
        return gzipped.get(fileName)!;
      };
      /** `roots` and what they import; with `followDynamic`, what they load lazily too, except through `loaded` (whose lazy imports are other pages). */
      const closure = (roots: string[], followDynamic: boolean, loaded = new Set<string>()) => {
        const seen = new Set<string>();
        const visit = (fileName: string) => {
          if (seen.has(fileName) || loaded.has(fileName)) return;
          seen.add(fileName);
          const chunk = chunks.get(fileName);
          for (const imported of [...(chunk?.imports ?? []), ...(followDynamic ? (chunk?.dynamicImports ?? []) : [])]) visit(imported);
        };
        roots.forEach(visit);
        return seen;
      };
      const kb = (files: Set<string>) => [...files].reduce((sum, fileName) => sum + size(fileName), 0) / 1000;

      const entries = [...chunks].filter(([, chunk]) => chunk.isEntry).map(([fileName]) => fileName);
      const shell = closure(entries, false);
      const pages = [...new Set([...shell].flatMap((fileName) => chunks.get(fileName)?.dynamicImports ?? []))];
      const perPage = pages.map((page) => ({ name: chunks.get(page)!.name, kb: kb(new Set([...shell, ...closure([page], true, shell)])) }));
      const heaviest = perPage.reduce((worst, page) => (page.kb > worst.kb ? page : worst), { name: 'none', kb: kb(shell) });

      // kB as Vite's own size report counts them (1000 bytes), so the numbers agree.
      const line =
        `first-load JS: ${kb(shell).toFixed(1)} kB gzipped for the shell; ${heaviest.kb.toFixed(1)} kB with the heaviest page ` +
        `(${heaviest.name}, everything it loads) (budget ${options.maxGzipKb} kB)`;
      if (heaviest.kb > options.maxGzipKb) this.error(line);
      process.stdout.write(`${line}\n`);
    },
  };
}
