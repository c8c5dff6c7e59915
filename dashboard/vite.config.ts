/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `make dashboard-dev`: Vite with hot reload on :5173, /api proxied to the running stack
// (`make run`, PTX_API_URL to point elsewhere). The build lands in ../build/dashboard, which the
// local stack serves on its own origin (CloudFront in AWS).
const apiTarget = process.env.PTX_API_URL ?? "http://localhost:8000";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "../build/dashboard",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    port: 5173,
    proxy: { "/api": { target: apiTarget, changeOrigin: false } },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
