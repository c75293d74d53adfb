import AxeBuilder from "@axe-core/playwright";
import { type Page } from "@playwright/test";

import { PASSWORD, expect, logIn, signUp, test, uniqueName } from "./helpers";

// WCAG 2.1 A and AA, and axe's best practices, on every page in every state a person
// can see it in: signed out and in, light and dark, with form errors showing.
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

async function expectNoViolations(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const found = results.violations.map(
    (violation) =>
      `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target).join(", ")})`,
  );
  expect(found, what).toEqual([]);
}

const SIGNED_OUT = [
  "/",
  "/login",
  "/login?logged_out=1",
  "/login?error=invalid_credentials&username=ada",
  "/register",
  "/register?error=password_too_short&username=ada",
  "/register?error=username_taken&username=ada",
  "/no-such-page",
  "/?account_deleted=1",
];
const SIGNED_IN = [
  "/",
  "/profile",
  "/sessions",
  "/sessions?ended=1",
  "/sessions?error=incorrect_password",
  "/password",
  "/password?changed=1",
  "/password?error=incorrect_current_password",
  "/password?error=password_mismatch",
  "/delete-account",
  "/delete-account?error=incorrect_password",
  "/activity",
];

for (const colorScheme of ["light", "dark"] as const) {
  test.describe(`in ${colorScheme} mode`, () => {
    test.use({ colorScheme });

    test("every page passes axe, signed out and signed in", async ({ page, browser, baseURL }) => {
      for (const path of SIGNED_OUT) {
        await page.goto(path);
        await expectNoViolations(page, `${path} signed out`);
      }
      const username = uniqueName(`axe${colorScheme}`);
      await signUp(page, username);
      // A second session, so /sessions shows its "Sign out" buttons too.
      const other = await browser.newContext({ baseURL });
      await logIn(await other.newPage(), username, PASSWORD);
      await other.close();
      for (const path of SIGNED_IN) {
        await page.goto(path);
        await expectNoViolations(page, `${path} signed in`);
      }
    });
  });
}
