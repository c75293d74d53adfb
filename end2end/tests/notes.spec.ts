import { NOTES_URL } from "../base-url";
import { PASSWORD, expect, expectNoViolations, hydrated, test, uniqueName } from "./helpers";

// examples/notes: a second app that embeds Keycard, its pages mounted under /account.
// Signing up there, writing a note, signing out and being turned away must all work
// with the app's own pages and Keycard's side by side, with and without JavaScript.
test.use({ baseURL: NOTES_URL });

for (const javaScript of [true, false]) {
  test.describe(javaScript ? "with JavaScript" : "without JavaScript", () => {
    test.use({ javaScriptEnabled: javaScript });

    test("sign up, write a note, sign out and be refused", async ({ page }) => {
      const username = uniqueName("notes");
      const note = `Buy milk, ${username}`;

      await page.goto("/notes");
      await expect(page).toHaveURL(/\/account\/login\?next=%2Fnotes$/);
      await page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Sign up" }).click();
      await expect(page).toHaveURL(/\/account\/register$/);
      if (javaScript) await hydrated(page);
      await page.getByLabel("Username", { exact: true }).fill(username);
      await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
      await page.getByLabel("Confirm password", { exact: true }).fill(PASSWORD);
      await page.getByRole("button", { name: "Create account" }).click();
      await expect(page).toHaveURL(/\/account\/profile$/);
      await expect(page.getByRole("heading", { level: 1, name: username })).toBeVisible();
      // The header's menu learns of the sign-in too, after a navigation in the page.
      await expect(page.getByRole("navigation", { name: "Account" }).getByText(username)).toBeVisible();

      await page.goto("/notes");
      if (javaScript) await hydrated(page);
      await expect(page.getByText("No notes yet.")).toBeVisible();
      // axe runs as a script in the page, which a page without JavaScript cannot.
      if (javaScript) await expectNoViolations(page, "/notes, signed in");
      await page.getByLabel("New note").fill(note);
      await page.getByRole("button", { name: "Save note" }).click();
      await expect(page.getByRole("listitem").filter({ hasText: note })).toBeVisible();
      await expect(page).toHaveURL(/\/notes$/);
      const api = await page.request.get("/api/notes");
      expect(api.status()).toBe(200);
      expect(await api.json()).toEqual([note]);

      await page.getByRole("navigation", { name: "Account" }).getByText(username).click();
      await page.getByRole("navigation", { name: "Account" }).getByRole("button", { name: "Log out" }).click();
      await expect(page).toHaveURL(/\/account\/login\?logged_out=1$/);
      await expect(page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Log in" })).toBeVisible();

      await page.goto("/notes");
      await expect(page).toHaveURL(/\/account\/login\?next=%2Fnotes$/);
      await expect(page.getByText(note)).toHaveCount(0);
      const refused = await page.request.get("/api/notes");
      expect(refused.status()).toBe(401);
    });
  });
}
