// vite.config.js - builds the front end into web/dist, one HTML entry per page:
// edit.html is the applicant's editor (the server serves it at /edit/{token},
// handlers_editor.c); review/index.html the caseworkers' review app, which
// the server's static files answer at /review/ (static.h); further pages add
// an input here.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      input: {
        edit: resolve(import.meta.dirname, 'edit.html'),
        review: resolve(import.meta.dirname, 'review/index.html'),
      },
    },
  },
});
