import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

interface Chunk {
  type: 'chunk';
  code: string;
  isEntry: boolean;
  imports: string[];
}

/**
 * Prints the JavaScript a browser loads before the first page shows (the entry chunk and
 * everything it imports statically; lazy pages excluded), gzipped, and fails the build
 * past the budget.
 */
export function firstLoadBudget(options: { maxGzipKb: number }): Plugin {
  return {
    name: 'relay-first-load-budget',
    apply: 'build',
    generateBundle(_output, bundle) {
      const chunks = new Map(Object.entries(bundle).filter((entry): entry is [string, Chunk & (typeof bundle)[string]] => entry[1].type === 'chunk'));
      const firstLoad = new Set<string>();
      const visit = (fileName: string) => {
        if (firstLoad.has(fileName)) return;
        firstLoad.add(fileName);
        for (const imported of chunks.get(fileName)?.imports ?? []) visit(imported);
      };
      for (const [fileName, chunk] of chunks) if (chunk.isEntry) visit(fileName);
      const bytes = [...firstLoad].reduce((sum, fileName) => sum + gzipSync(chunks.get(fileName)!.code).length, 0);
      // kB as Vite's own size report counts them (1000 bytes), so the two numbers agree.
      const kb = bytes / 1000;
      const line = `first-load JS: ${kb.toFixed(1)} kB gzipped in ${firstLoad.size} file(s) (budget ${options.maxGzipKb} kB)`;
      if (kb > options.maxGzipKb) this.error(line);
      process.stdout.write(`${line}\n`);
    },
  };
}
