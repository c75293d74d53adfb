import { createHmac } from "node:crypto";

import { type Page } from "@playwright/test";

import {
  PASSWORD,
  expect,
  expectNoViolations,
  hydrated,
  logIn,
  signUp,
  test,
  uniqueName,
} from "./helpers";

/** RFC 4648 base32, as authenticator apps take the key. */
function base32Bytes(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const letter of text.replace(/[\s=]/g, "").toUpperCase()) {
    bits += alphabet.indexOf(letter).toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** What an authenticator app holding `key` shows at `unixSeconds` (RFC 6238, SHA-1). */
function totp(key: string, unixSeconds: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac("sha1", base32Bytes(key)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, "0");
}

const now = () => Date.now() / 1000;

/** axe on the page as it is, in light and in dark. */
async function expectAccessible(page: Page, what: string): Promise<void> {
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await expectNoViolations(page, `${what} (${colorScheme})`);
  }
}

/**
 * On /two-factor showing the QR code: reads the key off the page, confirms with the
 * code an app would show now, and reads the recovery codes then shown.
 */
async function confirmWithTheAppsCode(
  page: Page,
): Promise<{ key: string; confirmedAt: number; codes: string[] }> {
  const key = (await page.locator("code.secret").innerText()).replace(/\s/g, "");
  expect(key).toMatch(/^[A-Z2-7]{32}$/);
  const confirmedAt = now();
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Code", { exact: true }).fill(totp(key, confirmedAt));
  await page.getByRole("button", { name: "Turn on two-step sign-in" }).click();
  await expect(page.getByRole("heading", { name: "Save your recovery codes" })).toBeVisible();
  const codes = await page.locator(".recovery-codes code").allInnerTexts();
  expect(codes).toHaveLength(10);
  return { key, confirmedAt, codes };
}

async function logOut(page: Page): Promise<void> {
  await page.goto("/profile");
  await hydrated(page);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login\?logged_out=1$/);
}

test("two-step sign-in: turned on with the app's code, then signing in needs a code or a recovery code", async ({
  page,
}) => {
  const username = uniqueName("twostep");
  await signUp(page, username);
  await page.getByRole("link", { name: "Two-step sign-in" }).click();
  await expect(page).toHaveURL(/\/two-factor$/);
  await hydrated(page);

  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await page.getByRole("button", { name: "Turn on" }).click();
  await expect(page.getByRole("alert")).toHaveText("Password is incorrect");
  await expectAccessible(page, "/two-factor with a wrong password");
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Turn on" }).click();
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  await expectAccessible(page, "/two-factor setting up");
  const { key, confirmedAt, codes } = await confirmWithTheAppsCode(page);
  await expect(page.getByRole("status")).toContainText("Two-step sign-in is on. 10 recovery codes left.");
  await expectAccessible(page, "/two-factor showing recovery codes");

  await logOut(page);
  await logIn(page, username, PASSWORD);
  await expect(page).toHaveURL(/\/login\/two-step$/);
  await hydrated(page);
  // The code that turned it on has been used: it is refused.
  await page.getByLabel("Code", { exact: true }).fill(totp(key, confirmedAt));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("That code is not right");
  await expectAccessible(page, "/login/two-step with a wrong code");
  await page.getByLabel("Code", { exact: true }).fill(totp(key, confirmedAt + 30));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole("heading", { level: 1, name: username })).toBeVisible();

  await logOut(page);
  await logIn(page, username, PASSWORD);
  await expect(page).toHaveURL(/\/login\/two-step$/);
  await hydrated(page);
  await page.getByRole("link", { name: "Use a recovery code" }).click();
  await page.getByLabel("Recovery code", { exact: true }).fill(codes[0]);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/profile$/);

  await page.goto("/two-factor");
  await expect(page.getByRole("status")).toContainText("9 recovery codes left.");
  await page.goto("/activity");
  await expect(page.getByText("Two-step sign-in turned on")).toBeVisible();
  await expect(page.getByText("Recovery code used to sign in")).toBeVisible();
});

test.describe("with JavaScript disabled", () => {
  test.use({ javaScriptEnabled: false });

  test("two-step sign-in is turned on and used with plain form posts", async ({ page }) => {
    const username = uniqueName("plainstep");
    await signUp(page, username, { javaScript: false });
    await page.goto("/two-factor");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Turn on" }).click();
    const { key, confirmedAt, codes } = await confirmWithTheAppsCode(page);
    await page.reload();
    await expect(page.getByRole("heading", { name: "Save your recovery codes" })).toHaveCount(0);

    await page.goto("/profile");
    await page.getByRole("button", { name: "Log out" }).click();
    await logIn(page, username, PASSWORD, { javaScript: false });
    await expect(page).toHaveURL(/\/login\/two-step$/);
    await page.getByLabel("Code", { exact: true }).fill("000000");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert")).toContainText("That code is not right");
    await page.getByRole("link", { name: "Use a recovery code" }).click();
    await page.getByLabel("Recovery code", { exact: true }).fill(codes[1]);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/profile$/);

    await page.goto("/two-factor");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Code", { exact: true }).fill(totp(key, confirmedAt + 30));
    await page.getByRole("button", { name: "Turn off two-step sign-in" }).click();
    await expect(page).toHaveURL(/\/two-factor\?turned_off=1$/);
    await expect(page.getByRole("status")).toHaveText("Two-step sign-in is off.");
  });
});
