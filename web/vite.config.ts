/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { viteStaticCopy } from "vite-plugin-static-copy";

// The API process serves the built app (api/webapp.py), so the build goes into the Python
// package. In `npm run dev`, page loads get index.html and everything else goes to the API
// (`make run` on port 8000), the same split the server makes.
const api = process.env.ERP_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [
    react(),
    // The API's interactive documentation (/schema) runs Scalar from the installed package,
    // not from a CDN, so it works without internet (api/app.py points at this copy).
    viteStaticCopy({
      targets: [
        {
          src: "node_modules/@scalar/api-reference/dist/browser/standalone.js",
          dest: "schema-assets",
          rename: "scalar.js",
        },
      ],
    }),
  ],
  build: {
    outDir: "../api/web_dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      "^/(?!src/|@|node_modules/|assets/).+": {
        target: api,
        bypass: (req) => (req.headers.accept?.startsWith("text/html") ? "/index.html" : undefined),
      },
    },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    css: false,
  },
});
