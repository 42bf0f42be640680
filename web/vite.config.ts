import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { firstLoadBudget } from './build/first-load-budget.js';

/** The dashboard, built into dist/web, which `relay api` serves at `/`. */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), firstLoadBudget({ maxGzipKb: 250 })],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    // The polyfill would be code for browsers without <link rel="modulepreload">; every browser the dashboard supports has it.
    modulePreload: { polyfill: false },
  },
});
