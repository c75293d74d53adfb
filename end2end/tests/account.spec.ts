import { type Browser, type Page } from "@playwright/test";

import { PASSWORD, expect, hydrated, logIn, signUp, test, uniqueName } from "./helpers";

const NEW_PASSWORD = "a brand new passphrase";

/** A second browser signed in to `username`, as another device would be. */
async function secondBrowser(
  browser: Browser,
  baseURL: string | undefined,
  username: string,
  javaScript: boolean,
): Promise<Page> {
  const context = await browser.newContext({ baseURL, javaScriptEnabled: javaScript });
  const page = await context.newPage();
  await logIn(page, username, PASSWORD, { javaScript });
  await expect(page).toHaveURL(/\/profile$/);
  return page;
}

async function expectSignedOut(page: Page): Promise<void> {
  await page.goto("/profile");
  await expect(page).toHaveURL(/\/login\?next=%2Fprofile$/);
}

async function fillPasswordForm(page: Page, current: string, next: string, confirmation: string) {
  await page.getByLabel("Current password", { exact: true }).fill(current);
  await page.getByLabel("New password", { exact: true }).fill(next);
  await page.getByLabel("Confirm new password", { exact: true }).fill(confirmation);
  await page.getByRole("button", { name: "Change password" }).click();
}

for (const javaScript of [true, false]) {
  test.describe(javaScript ? "with JavaScript" : "with JavaScript disabled", () => {
    test.use({ javaScriptEnabled: javaScript });
    const mode = { javaScript };

    test("a changed password signs the other browser out; only the new one logs in", async ({
      browser,
      page,
      baseURL,
    }) => {
      const username = uniqueName(javaScript ? "change" : "plainchange");
      await signUp(page, username, mode);
      const other = await secondBrowser(browser, baseURL, username, javaScript);

      await page.getByRole("link", { name: "Change password" }).click();
      await expect(page).toHaveURL(/\/password$/);
      if (javaScript) await hydrated(page);
      await fillPasswordForm(page, "not my password", NEW_PASSWORD, NEW_PASSWORD);
      await expect(page.getByRole("alert")).toHaveText("Current password is incorrect");
      await expect(page.getByLabel("Current password")).toHaveAttribute("aria-invalid", "true");
      await fillPasswordForm(page, PASSWORD, NEW_PASSWORD, "not the same");
      await expect(page.getByRole("alert")).toHaveText("Passwords do not match");
      await fillPasswordForm(page, PASSWORD, NEW_PASSWORD, NEW_PASSWORD);
      await expect(page.getByRole("status")).toHaveText("Your password has been changed.");
      await expect(page.getByRole("alert")).toHaveCount(0);
      await expect(page.getByLabel("Current password")).toHaveValue("");

      await expectSignedOut(other);
      await page.goto("/profile");
      await expect(page.getByRole("heading", { level: 1, name: username })).toBeVisible();

      await logIn(other, username, PASSWORD, mode);
      await expect(other.getByRole("alert")).toHaveText("Invalid username or password");
      await logIn(other, username, NEW_PASSWORD, mode);
      await expect(other).toHaveURL(/\/profile$/);
      await other.context().close();
    });

    test("a deleted account signs every browser out and frees its name", async ({
      browser,
      page,
      baseURL,
    }) => {
      const username = uniqueName(javaScript ? "leave" : "plainleave");
      await signUp(page, username, mode);
      const other = await secondBrowser(browser, baseURL, username, javaScript);

      await page.getByRole("link", { name: "Delete account" }).click();
      await expect(page).toHaveURL(/\/delete-account$/);
      if (javaScript) await hydrated(page);
      await expect(page.getByRole("main")).toContainText("every session, on every device");
      await page.getByLabel("Password", { exact: true }).fill("not my password");
      await page.getByRole("button", { name: "Delete account" }).click();
      await expect(page.getByRole("alert")).toHaveText("Password is incorrect");
      await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
      await page.getByRole("button", { name: "Delete account" }).click();
      await expect(page).toHaveURL(/\/\?account_deleted=1$/);
      await expect(page.getByRole("status")).toHaveText("Your account has been deleted.");
      await expect(page.getByRole("main").getByRole("link", { name: "Sign up" })).toBeVisible();
      expect(await page.context().cookies()).toEqual([]);

      await expectSignedOut(other);
      await logIn(other, username, PASSWORD, mode);
      await expect(other.getByRole("alert")).toHaveText("Invalid username or password");
      await signUp(page, username, mode);
      await other.context().close();
    });

    test("the activity page lists a journey, newest first, with its devices", async ({
      browser,
      page,
      baseURL,
    }) => {
      const username = uniqueName(javaScript ? "journey" : "plainjourney");
      await signUp(page, username, mode);
      const phoneContext = await browser.newContext({
        baseURL,
        javaScriptEnabled: javaScript,
        userAgent:
          "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
      });
      const phone = await phoneContext.newPage();
      await logIn(phone, username, "not my password", mode);
      await expect(phone.getByRole("alert")).toHaveText("Invalid username or password");
      await logIn(phone, username, PASSWORD, mode);
      await expect(phone).toHaveURL(/\/profile$/);
      await phone.getByRole("button", { name: "Log out" }).click();
      await expect(phone).toHaveURL(/\/login\?logged_out=1$/);
      await phoneContext.close();

      await page.getByRole("link", { name: "Activity" }).click();
      await expect(page).toHaveURL(/\/activity$/);
      await expect(page.getByRole("heading", { level: 1, name: "Activity" })).toBeVisible();
      const events = page.locator(".event");
      await expect(events.locator("h2")).toHaveText([
        "Signed out",
        "Signed in",
        "Failed sign-in",
        "Signed in",
        "Account created",
      ]);
      for (const index of [0, 1, 2]) {
        await expect(events.nth(index)).toContainText("Firefox on Android");
      }
      await expect(events.nth(3)).toContainText(/Chrome on (Linux|Windows)/);
      await expect(events.nth(0)).toContainText("127.0.0.1");
    });
  });
}

test("the change button is busy while the change runs", async ({ page }) => {
  await signUp(page, uniqueName("busy"));
  await page.goto("/password");
  await hydrated(page);
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/api/change_password", async (route) => {
    await held;
    await route.continue();
  });
  await fillPasswordForm(page, PASSWORD, NEW_PASSWORD, NEW_PASSWORD);
  const busy = page.getByRole("button", { name: "Changing password…" });
  await expect(busy).toBeDisabled();
  await expect(busy).toHaveAttribute("aria-busy", "true");
  release();
  await expect(page.getByRole("status")).toHaveText("Your password has been changed.");
  await expect(page.getByRole("button", { name: "Change password" })).toBeEnabled();
});

test("the account pages fit a 360 px screen", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await signUp(page, uniqueName("narrow"));
  for (const path of ["/profile", "/password", "/delete-account", "/activity"]) {
    await page.goto(path);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, `${path} scrolls sideways`).toBe(0);
  }
});
