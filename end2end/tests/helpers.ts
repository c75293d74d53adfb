import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type Page } from "@playwright/test";

export { expect };

/**
 * Every test fails if the browser reports a Content Security Policy violation, so the
 * whole suite proves hydration works under the CSP. A test that provokes a violation
 * on purpose takes the ones it expects out of `cspViolations`.
 */
export const test = base.extend<{ cspViolations: string[] }>({
  cspViolations: [
    async ({ page }, use) => {
      const violations: string[] = [];
      page.on("console", (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      await use(violations);
      expect(violations, "CSP violations in the console").toEqual([]);
    },
    { auto: true },
  ],
});

export const PASSWORD = "correct horse battery staple";

/** A username no other test (or earlier run on the same database) has taken. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

/** Waits until the wasm bundle has taken over the server-rendered page. */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator("body[data-hydrated]")).toBeAttached();
}

/** Whether the page runs the app's wasm; with it off, forms post the plain way. */
export type Mode = { javaScript: boolean };
const HYDRATED: Mode = { javaScript: true };

export async function signUp(page: Page, username: string, mode = HYDRATED): Promise<void> {
  await page.goto("/register");
  if (mode.javaScript) await hydrated(page);
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole("heading", { level: 1, name: username })).toBeVisible();
}

export async function logIn(
  page: Page,
  username: string,
  password: string,
  mode = HYDRATED,
): Promise<void> {
  await page.goto("/login");
  if (mode.javaScript) await hydrated(page);
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

// WCAG 2.1 A and AA, and axe's best practices.
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/** Fails with the list of what axe-core finds wrong on the page as it is now. */
export async function expectNoViolations(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  const found = results.violations.map(
    (violation) =>
      `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target).join(", ")})`,
  );
  expect(found, what).toEqual([]);
}
