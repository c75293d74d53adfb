import { expect, type Page } from "@playwright/test";

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
