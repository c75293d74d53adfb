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

// Every page in every state a person can see it in: signed out and in, light and
// dark, with form errors showing (the rules are in `expectNoViolations`). The reset
// form, which needs a mailed link, is checked in mail.spec.ts; two-step sign-in's
// set-up, recovery codes and second step in two_factor.spec.ts.

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
  "/forgot-password",
  "/forgot-password?sent=1",
  "/forgot-password?error=too_many_attempts&detail=600&login=ada",
  "/reset-password",
  "/verify-email?token=00",
  "/verify-email?verified=1",
  "/verify-email?error=invalid_link",
  "/login/two-step",
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
  "/email",
  "/email?changed=1",
  "/email?error=incorrect_current_password&email=ada%40example.com",
  "/email?error=email_invalid&email=ada",
  "/profile?link_sent=1",
  "/profile?password_reset=1",
  "/two-factor",
  "/two-factor?error=incorrect_password",
  "/two-factor?turned_off=1",
  "/passkeys",
  "/passkeys?removed=1",
];

for (const colorScheme of ["light", "dark"] as const) {
  test.describe(`in ${colorScheme} mode`, () => {
    test.use({ colorScheme });

    test("every page passes axe, signed out and signed in", async ({ page, browser, baseURL }) => {
      // Some forty pages, each scanned in full: more than the default 30 s.
      test.slow();
      for (const path of SIGNED_OUT) {
        await page.goto(path);
        await expectNoViolations(page, `${path} signed out`);
      }
      const username = uniqueName(`axe${colorScheme}`);
      await signUp(page, username);
      // A second session, so /sessions shows its "Sign out" buttons too.
      const other = await browser.newContext({ baseURL });
      const device = await other.newPage();
      await logIn(device, username, PASSWORD);
      // Closing the context before the login answers would abort it.
      await expect(device).toHaveURL(/\/profile$/);
      await other.close();
      // An address that is not verified yet, so the profile shows its badge and the
      // "Send the link again" button.
      await page.goto("/email");
      await hydrated(page);
      await page.getByLabel("New email").fill(`${username}@example.com`);
      await page.getByLabel("Current password").fill(PASSWORD);
      await page.getByRole("button", { name: "Change email" }).click();
      await expect(page.getByRole("status")).toContainText("has been changed");
      for (const path of SIGNED_IN) {
        await page.goto(path);
        await expectNoViolations(page, `${path} signed in`);
      }
    });
  });
}
