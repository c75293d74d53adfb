import { type BrowserContext, type Page } from "@playwright/test";

import { PASSWORD, expect, hydrated, logIn, signUp, test, uniqueName } from "./helpers";

const ACCESS_COOKIE = "__Host-keycard_session";
const REFRESH_COOKIE = "__Host-keycard_refresh";

/** What the browser holds once the 15-minute access cookie has expired: the refresh cookie. */
async function letAccessCookieExpire(context: BrowserContext): Promise<void> {
  const kept = (await context.cookies()).filter((cookie) => cookie.name !== ACCESS_COOKIE);
  await context.clearCookies();
  await context.addCookies(kept);
}

test("a session whose access cookie has expired lands on /profile without a login form", async ({
  page,
  context,
}) => {
  const username = uniqueName("back");
  await signUp(page, username);
  const before = (await context.cookies()).find((cookie) => cookie.name === REFRESH_COOKIE);
  expect(before).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax", path: "/" });

  await letAccessCookieExpire(context);
  await page.goto("/profile");
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole("heading", { level: 1, name: username })).toBeVisible();
  await expect(page.getByLabel("Password")).toHaveCount(0);
  const names = (await context.cookies()).map((cookie) => cookie.name);
  expect(names).toContain(ACCESS_COOKIE);
  const after = (await context.cookies()).find((cookie) => cookie.name === REFRESH_COOKIE);
  expect(after?.value).not.toBe(before?.value);
});

/** Opens /sessions and presses "Sign out" on the one other session. */
async function signOutTheOtherSession(page: Page, javaScript: boolean): Promise<void> {
  await page.goto("/sessions");
  if (javaScript) await hydrated(page);
  await expect(page.getByRole("heading", { level: 1, name: "Sessions" })).toBeVisible();
  const rows = page.getByRole("listitem");
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText("This device");
  await expect(rows.nth(1)).toContainText(/Chrome on (Linux|Windows)/);
  await rows.nth(1).getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("status")).toHaveText("Signed out 1 session.");
  await expect(page.getByRole("listitem")).toHaveCount(1);
}

for (const javaScript of [true, false]) {
  test.describe(javaScript ? "with JavaScript" : "with JavaScript disabled", () => {
    test.use({ javaScriptEnabled: javaScript });

    test("one device signs another out from /sessions", async ({ browser, page, baseURL }) => {
      const username = uniqueName(javaScript ? "twin" : "plaintwin");
      await signUp(page, username, { javaScript });

      const other = await browser.newContext({ baseURL, javaScriptEnabled: javaScript });
      const laptop = await other.newPage();
      await logIn(laptop, username, PASSWORD, { javaScript });
      await expect(laptop).toHaveURL(/\/profile$/);

      await signOutTheOtherSession(laptop, javaScript);

      // The first browser's very next navigation finds itself signed out, whether it
      // still holds a live access cookie or only its refresh cookie.
      await page.goto("/profile");
      await expect(page).toHaveURL(/\/login\?next=%2Fprofile$/);
      await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
      await laptop.goto("/profile");
      await expect(laptop.getByRole("heading", { level: 1, name: username })).toBeVisible();
      await other.close();
    });
  });
}

test("signing out all other sessions leaves only this one", async ({ browser, page, baseURL }) => {
  const username = uniqueName("sweep");
  await signUp(page, username);
  const others = await Promise.all([
    browser.newContext({ baseURL }),
    browser.newContext({ baseURL }),
  ]);
  for (const context of others) {
    const device = await context.newPage();
    await logIn(device, username, PASSWORD);
    // Signed in for sure before /sessions lists them, which it does once.
    await expect(device).toHaveURL(/\/profile$/);
  }
  await page.goto("/profile");
  await hydrated(page);
  await page.getByRole("link", { name: "Sessions" }).click();
  await expect(page).toHaveURL(/\/sessions$/);
  await expect(page.getByRole("listitem")).toHaveCount(3);
  await page.getByRole("button", { name: "Sign out all other sessions" }).click();
  await expect(page.getByRole("status")).toHaveText("Signed out 2 sessions.");
  await expect(page.getByRole("listitem")).toHaveCount(1);
  for (const context of others) {
    const stale = await context.newPage();
    await stale.goto("/profile");
    await expect(stale).toHaveURL(/\/login\?next=%2Fprofile$/);
    await context.close();
  }
});
