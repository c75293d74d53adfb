import { defineConfig, devices } from "@playwright/test";

import { BASE_URL } from "./base-url";

// Playwright's own browser download cannot work here; Debian's Chromium is used instead.
const chromium = process.env.KEYCARD_CHROMIUM ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  use: {
    baseURL: BASE_URL,
    trace: "off",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath: chromium,
          // Without these, Chromium keeps dialling Google services this closed network refuses.
          args: [
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
          ],
        },
      },
    },
  ],
});
